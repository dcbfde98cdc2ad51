using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmCompiler.Testing;

/// <summary>
/// An OpenAI-compatible Chat Completions server on 127.0.0.1 (a free port picked by the OS) for tests that drive
/// the real OpenAI SDK. Responses are served from a queue of <see cref="ScriptedResponse"/>s in order; when the
/// queue is empty <see cref="Fallback"/> is served. Every request is kept with its headers and JSON body.
/// <para>
/// Kestrel rather than <c>HttpListener</c> or a hand-written server: it binds port 0 on loopback directly, speaks
/// real HTTP/1.1 (chunked bodies, keep-alive, aborts) and can cut a response mid-body, which fault injection needs.
/// </para>
/// Serves <c>POST /v1/chat/completions</c> and <c>POST /chat/completions</c>; anything else is 404. Disposing it twice
/// (a test that stops it early to prove no endpoint is needed, then its <c>using</c>) is safe.
/// </summary>
public sealed class LoopbackLlmServer : IAsyncDisposable, IDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ScriptedResponse> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _sequence;
    private bool _disposed;
    private bool _released;

    private LoopbackLlmServer(WebApplication app) => _app = app;

    /// <summary>The base URL to give the SDK, ending in <c>/v1</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>
    /// Chooses the response from the request (for example by a work-order id in the prompt). When set and it returns
    /// a response, that response is served and the queue is left alone; when it returns null the queue is used.
    /// </summary>
    public Func<RecordedRequest, ScriptedResponse?>? Responder { get; set; }

    /// <summary>Served when the script is empty. Defaults to a 500 so an unexpected extra call is loud.</summary>
    public ScriptedResponse Fallback { get; set; } = ScriptedResponse.Error(500, "loopback script exhausted");

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public int RequestCount => _requests.Count;

    public static async Task<LoopbackLlmServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, 0);
            options.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var server = new LoopbackLlmServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>
    /// Starts a server that answers every request with a completion whose text is <paramref name="answer"/> of the
    /// request's last message and its 1-based number, each after <paramref name="delay"/>.
    /// </summary>
    public static async Task<LoopbackLlmServer> AnsweringAsync(Func<string, int, string> answer, TimeSpan delay = default)
    {
        var server = await StartAsync().ConfigureAwait(false);
        server.Responder = request => ScriptedResponse.Completion(answer(request.LastMessage, request.Number)) with { Delay = delay };
        return server;
    }

    /// <summary>Starts a server that answers every request with the one <paramref name="answer"/>.</summary>
    public static Task<LoopbackLlmServer> AnsweringAsync(string answer, TimeSpan delay = default) => AnsweringAsync((_, _) => answer, delay);

    /// <summary>Queues responses, served one per request in order.</summary>
    public LoopbackLlmServer Enqueue(params ScriptedResponse[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }

        return this;
    }

    /// <summary>Stops listening; stalled requests are released. Idempotent.</summary>
    public async Task StopAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
    }

    /// <summary>Stops and releases the server. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_released)
        {
            return;
        }

        _released = true;
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>For synchronous tests (the MSBuild task tests): <see cref="DisposeAsync"/>, waited for.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task HandleAsync(HttpContext context)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }

        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var number = Interlocked.Increment(ref _sequence);
        var recorded = new RecordedRequest(number, context.Request.Method, context.Request.Path.Value ?? "", headers, body);
        _requests.Enqueue(recorded);

        var path = context.Request.Path.Value ?? "";
        if (!HttpMethods.IsPost(context.Request.Method) || (path != "/v1/chat/completions" && path != "/chat/completions"))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("{\"error\":{\"message\":\"no such route\"}}").ConfigureAwait(false);
            return;
        }

        var scripted = Responder?.Invoke(recorded) ?? (_script.TryDequeue(out var next) ? next : Fallback);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            if (scripted.Delay > TimeSpan.Zero)
            {
                await Task.Delay(scripted.Delay, linked.Token).ConfigureAwait(false);
            }

            await scripted.WriteAsync(context, number, ModelOf(body), linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client gave up or the server is stopping; nothing more to send.
            context.Abort();
        }
    }

    private static string ModelOf(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["model"]?.GetValue<string>() ?? "unknown";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return "unknown";
        }
    }
}

/// <summary>One request as the server received it.</summary>
public sealed record RecordedRequest(int Number, string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonNode? Json => JsonNode.Parse(Body);

    public string? Authorization => Headers.TryGetValue("Authorization", out var value) ? value : null;

    /// <summary>The <c>content</c> of every message, in order.</summary>
    public IReadOnlyList<string> MessageContents =>
        Json?["messages"]?.AsArray().Select(m => m?["content"]?.GetValue<string>() ?? "").ToArray() ?? [];

    /// <summary>The <c>content</c> of the last message (the prompt of an executor request); "" when there is none.</summary>
    public string LastMessage
    {
        get
        {
            try
            {
                return MessageContents is [.., var last] ? last : "";
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return "";
            }
        }
    }
}

/// <summary>What the loopback server does with one request.</summary>
public abstract record ScriptedResponse
{
    /// <summary>Waited before anything is sent (headers included).</summary>
    public TimeSpan Delay { get; init; }

    internal abstract Task WriteAsync(HttpContext context, int number, string model, CancellationToken cancellationToken);

    /// <summary>A normal completion.</summary>
    public static ScriptedResponse Completion(string content, string finishReason = "stop", int promptTokens = 100, int completionTokens = 20) =>
        new CompletionResponse(content, null, finishReason, promptTokens, completionTokens);

    /// <summary><c>finish_reason: length</c> with the partial text.</summary>
    public static ScriptedResponse Truncated(string partialContent, int promptTokens = 100, int completionTokens = 256) =>
        new CompletionResponse(partialContent, null, "length", promptTokens, completionTokens);

    /// <summary>A refusal (content null, <c>refusal</c> set).</summary>
    public static ScriptedResponse Refusal(string refusal) => new CompletionResponse(null, refusal, "stop", 50, 10);

    /// <summary>A completion without a <c>usage</c> object, as some local servers answer.</summary>
    public static ScriptedResponse CompletionWithoutUsage(string content) => new CompletionResponse(content, null, "stop", 0, 0) { OmitUsage = true };

    /// <summary>An error status with an OpenAI-style error body; <paramref name="retryAfterSeconds"/> sets <c>Retry-After</c>.</summary>
    public static ScriptedResponse Error(int status, string message = "scripted failure", int? retryAfterSeconds = null) =>
        new StatusResponse(status, message, retryAfterSeconds);

    public static ScriptedResponse RateLimited(int retryAfterSeconds) => Error(429, "Rate limit reached", retryAfterSeconds);

    /// <summary>Never answers until the client gives up or the server stops.</summary>
    public static ScriptedResponse Stall() => new StallResponse();

    /// <summary>A 200 whose body is the given text verbatim (for malformed JSON).</summary>
    public static ScriptedResponse RawBody(string body, int status = 200) => new RawResponse(body, status);

    /// <summary>Announces a full body, sends the first half, then drops the connection.</summary>
    public static ScriptedResponse CutConnection(string content = "{\"never\": \"finished\"}") => new CutResponse(content);

    internal static string CompletionJson(int number, string model, string? content, string? refusal, string finishReason, int promptTokens, int completionTokens, bool omitUsage)
    {
        var root = new JsonObject
        {
            ["id"] = $"chatcmpl-loopback-{number}",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = refusal },
                ["logprobs"] = null,
                ["finish_reason"] = finishReason,
            }),
        };
        if (!omitUsage)
        {
            root["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            };
        }

        return root.ToJsonString();
    }

    private static async Task WriteJsonAsync(HttpContext context, int number, int status, string json, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-request-id"] = $"req_loopback_{number}";
        await context.Response.WriteAsync(json, cancellationToken).ConfigureAwait(false);
    }

    private sealed record CompletionResponse(string? Content, string? RefusalText, string FinishReason, int PromptTokens, int CompletionTokens) : ScriptedResponse
    {
        public bool OmitUsage { get; init; }

        internal override Task WriteAsync(HttpContext context, int number, string model, CancellationToken cancellationToken) =>
            WriteJsonAsync(context, number, 200, CompletionJson(number, model, Content, RefusalText, FinishReason, PromptTokens, CompletionTokens, OmitUsage), cancellationToken);
    }

    private sealed record StatusResponse(int Status, string Message, int? RetryAfterSeconds) : ScriptedResponse
    {
        internal override Task WriteAsync(HttpContext context, int number, string model, CancellationToken cancellationToken)
        {
            if (RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var body = new JsonObject { ["error"] = new JsonObject { ["message"] = Message, ["type"] = "loopback", ["code"] = Status.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
            return WriteJsonAsync(context, number, Status, body.ToJsonString(), cancellationToken);
        }
    }

    private sealed record StallResponse : ScriptedResponse
    {
        internal override Task WriteAsync(HttpContext context, int number, string model, CancellationToken cancellationToken) =>
            Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private sealed record RawResponse(string Body, int Status) : ScriptedResponse
    {
        internal override Task WriteAsync(HttpContext context, int number, string model, CancellationToken cancellationToken) =>
            WriteJsonAsync(context, number, Status, Body, cancellationToken);
    }

    private sealed record CutResponse(string Content) : ScriptedResponse
    {
        internal override async Task WriteAsync(HttpContext context, int number, string model, CancellationToken cancellationToken)
        {
            var bytes = Encoding.UTF8.GetBytes(CompletionJson(number, model, Content, null, "stop", 10, 10, omitUsage: false));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), cancellationToken).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            context.Abort();
        }
    }
}
