using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace LlmCompiler.Build.Tests.TestSupport;

/// <summary>
/// An OpenAI-compatible Chat Completions endpoint on 127.0.0.1 that answers every request with one fixed
/// assistant message and counts requests, so tests can prove when a build makes no call at all.
/// </summary>
internal sealed class LoopbackChatServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<string, int, string> _answer;
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private int _requests;

    /// <param name="delay">How long each answer takes (to cancel a build mid-call).</param>
    public LoopbackChatServer(string answer, TimeSpan delay = default) : this((_, _) => answer, delay)
    {
    }

    /// <param name="answer">The assistant message for a request, from its last user message and its 1-based number.</param>
    public LoopbackChatServer(Func<string, int, string> answer, TimeSpan delay = default)
    {
        _answer = answer;
        _delay = delay;
        var port = FreePort();
        Endpoint = $"http://127.0.0.1:{port}/v1/";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Endpoint { get; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Authorization headers seen, to prove the key really was sent (and so really was read).</summary>
    public List<string> AuthorizationHeaders { get; } = [];

    /// <summary>The last user message of every request, in order.</summary>
    public List<string> Prompts { get; } = [];

    /// <summary>The JSON body of every request, in order (what was really sent: model, temperature, limits).</summary>
    public List<string> Bodies { get; } = [];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var number = Interlocked.Increment(ref _requests);
            lock (AuthorizationHeaders) AuthorizationHeaders.Add(context.Request.Headers["Authorization"] ?? "");
            string requestBody;
            using (var reader = new StreamReader(context.Request.InputStream)) requestBody = await reader.ReadToEndAsync().ConfigureAwait(false);
            var prompt = LastUserMessage(requestBody);
            lock (Prompts) Prompts.Add(prompt);
            lock (Bodies) Bodies.Add(requestBody);
            if (_delay > TimeSpan.Zero)
            {
                try { await Task.Delay(_delay, _stopping.Token).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
            }
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                id = "chatcmpl-loopback",
                @object = "chat.completion",
                created = 1_700_000_000,
                model = "loopback-model",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = _answer(prompt, number) }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 1200, completion_tokens = 300, total_tokens = 1500 },
            });
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body).ConfigureAwait(false);
            context.Response.Close();
        }
    }

    private static string LastUserMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString() ?? "";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "";
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        // Tests stop the server early to prove a replay needs no endpoint, then `using` disposes it again.
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
