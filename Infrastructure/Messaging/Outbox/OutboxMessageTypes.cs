using System.Text.Json;

namespace TaskManager.Infrastructure.Messaging.Outbox;

/// <summary>Which message type an outbox row's <c>message_type</c> names. Features register their own
/// messages; the relay turns a row's JSON body (snake_case, as SQL builds it) back into that type.</summary>
public sealed class OutboxMessageTypes
{
    private readonly Dictionary<string, Type> types = new(StringComparer.Ordinal);

    public static JsonSerializerOptions Json { get; } = CreateJson();

    public OutboxMessageTypes Add<T>(string name) where T : class
    {
        types.Add(name, typeof(T));
        return this;
    }

    public Type? Find(string name) => types.GetValueOrDefault(name);

    public string NameOf<T>() => types.Single(t => t.Value == typeof(T)).Key;

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions();
        Http.HttpExtensions.ConfigureJson(json);
        return json;
    }
}
