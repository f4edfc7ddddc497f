using System.Buffers;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Caching.Hybrid;

namespace TaskManager.Infrastructure.Caching;

/// <summary>A 200 response body serialized once, when it is cached, and written as it is on every hit: a hit
/// neither copies an object out of the cache nor serializes it again. To OpenAPI it declares itself exactly as
/// Ok&lt;T&gt; does.</summary>
[ImmutableObject(true)]
public sealed class CachedJson<T> : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IContentTypeHttpResult
{
    private const string JsonContentType = "application/json; charset=utf-8";

    private readonly byte[] utf8;

    internal CachedJson(byte[] utf8) => this.utf8 = utf8;

    public ReadOnlySpan<byte> Utf8 => utf8;

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => JsonContentType;

    public static CachedJson<T> Serialize(T value, JsonSerializerOptions options) => new(JsonSerializer.SerializeToUtf8Bytes(value, options));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = utf8.Length;
        return response.Body.WriteAsync(utf8, httpContext.RequestAborted).AsTask();
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
}

/// <summary>Stores a CachedJson in Redis as its bytes, unchanged.</summary>
public sealed class CachedJsonSerializerFactory : IHybridCacheSerializerFactory
{
    public bool TryCreateSerializer<T>([NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
    {
        serializer = typeof(T).IsGenericType && typeof(T).GetGenericTypeDefinition() == typeof(CachedJson<>)
            ? (IHybridCacheSerializer<T>)Activator.CreateInstance(typeof(Serializer<>).MakeGenericType(typeof(T).GetGenericArguments()))!
            : null;
        return serializer is not null;
    }

    private sealed class Serializer<TValue> : IHybridCacheSerializer<CachedJson<TValue>>
    {
        public CachedJson<TValue> Deserialize(ReadOnlySequence<byte> source) => new(source.ToArray());

        public void Serialize(CachedJson<TValue> value, IBufferWriter<byte> target) => target.Write(value.Utf8);
    }
}
