using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace TaskManager.Features.Batch.RunBatch;

/// <summary>Runs one operation of a batch as the single call it stands for. Each operation goes through the real
/// endpoint's request delegate (binding, validation filter, handler, result), in-process on an HttpContext of its own,
/// rather than through a second mapping of paths to commands: the answer is then the single call's by construction, and
/// no rule exists twice. Around it run the pieces of the pipeline that live in middleware: authorization (the route's
/// policies and token scope), the body limit, and the exception handler's and status pages' problem+json.</summary>
public sealed class BatchDispatcher(BatchRoutes routes, IAuthorizationPolicyProvider policies, IAuthorizationService authorization,
    IAuthorizationMiddlewareResultHandler refusals, IEnumerable<IExceptionHandler> exceptionHandlers, IProblemDetailsService problems)
{
    public async Task<BatchResult> RunAsync(HttpContext outer, BatchOperation operation, CancellationToken ct)
    {
        var match = routes.Resolve(operation.Method!.ToUpperInvariant(), operation.Path!)
            ?? throw new InvalidOperationException("The validator lets only batch routes through.");
        var http = NewContext(outer, operation, match);
        try
        {
            var policy = await AuthorizationPolicy.CombineAsync(policies, match.Endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(),
                match.Endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>());
            var allowed = policy is null ? AuthorizationResult.Success() : await authorization.AuthorizeAsync(http.User, http, policy);
            if (!allowed.Succeeded)
            {
                await refusals.HandleAsync(_ => Task.CompletedTask, http, policy!, PolicyAuthorizationResult.Forbid(allowed.Failure));
            }
            else
            {
                await Infrastructure.Http.SecurityExtensions.LimitRequestBodyAsync(http, () => match.Endpoint.RequestDelegate!(http));
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // As the exception handler middleware: a fresh answer, written by the handler that classifies the exception.
            http.Response.Clear();
            http.Response.Body.SetLength(0);
            foreach (var handler in exceptionHandlers)
            {
                if (await handler.TryHandleAsync(http, ex, ct))
                {
                    break;
                }
            }
        }
        var body = (MemoryStream)http.Response.Body;
        if (body.Length == 0 && http.Response.StatusCode >= 400)
        {
            // As UseStatusCodePages: a bodiless error (a framework 403) still answers problem+json.
            await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = http.Response.StatusCode } });
        }
        return Capture(http.Response, body);
    }

    private static DefaultHttpContext NewContext(HttpContext outer, BatchOperation operation, BatchRoutes.Match match)
    {
        var http = new DefaultHttpContext
        {
            RequestServices = outer.RequestServices,
            User = outer.User,
            RequestAborted = outer.RequestAborted,
            TraceIdentifier = outer.TraceIdentifier,
        };
        http.Connection.RemoteIpAddress = outer.Connection.RemoteIpAddress;
        var request = http.Request;
        request.Method = operation.Method!.ToUpperInvariant();
        request.Scheme = outer.Request.Scheme;
        request.Host = outer.Request.Host;
        request.Path = operation.Path;
        request.RouteValues = match.Values;
        if (operation.IfMatch is { } ifMatch)
        {
            request.Headers.IfMatch = ifMatch;
        }
        var hasBody = operation.Body is { ValueKind: not JsonValueKind.Null };
        if (hasBody)
        {
            var bytes = Encoding.UTF8.GetBytes(operation.Body!.Value.GetRawText());
            request.Body = new MemoryStream(bytes, writable: false);
            request.ContentType = "application/json";
            request.ContentLength = bytes.Length;
        }
        http.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(hasBody));
        http.Response.Body = new MemoryStream();
        http.SetEndpoint(match.Endpoint);
        return http;
    }

    private static BatchResult Capture(HttpResponse response, MemoryStream body)
    {
        JsonElement? json = null;
        if (body.Length > 0 && response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            using var document = JsonDocument.Parse(body.ToArray());
            json = document.RootElement.Clone();
        }
        var etag = response.Headers.ETag.ToString();
        var location = response.Headers.Location.ToString();
        return new BatchResult(response.StatusCode,
            new BatchResultHeaders(etag.Length == 0 ? null : etag, location.Length == 0 ? null : location), json);
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody { get; } = canHaveBody;
    }
}
