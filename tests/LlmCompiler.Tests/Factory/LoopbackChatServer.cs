using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// A minimal OpenAI-compatible Chat Completions endpoint on 127.0.0.1 for tests: each request's last user
/// message goes to a script that returns the assistant text. Records every prompt it receives.
/// </summary>
internal sealed class LoopbackChatServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<string, int, string> _script;
    private readonly List<string> _prompts = [];
    private readonly Task _loop;

    public LoopbackChatServer(Func<string, int, string> script, TimeSpan? delay = null)
    {
        _script = script;
        Delay = delay ?? TimeSpan.Zero;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Endpoint = $"http://127.0.0.1:{port}/v1";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Endpoint { get; }
    public TimeSpan Delay { get; }

    public IReadOnlyList<string> Prompts
    {
        get { lock (_prompts) return [.. _prompts]; }
    }

    public int RequestCount => Prompts.Count;

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!;
        var prompt = body["messages"]!.AsArray().Last()!["content"]!.GetValue<string>();
        int index;
        lock (_prompts)
        {
            _prompts.Add(prompt);
            index = _prompts.Count;
        }
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
        var answer = _script(prompt, index);
        var response = new JsonObject
        {
            ["id"] = $"chatcmpl-{index}", ["object"] = "chat.completion", ["created"] = 1700000000, ["model"] = "loopback-model",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0, ["finish_reason"] = "stop",
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer },
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = prompt.Length / 4, ["completion_tokens"] = answer.Length / 4, ["total_tokens"] = (prompt.Length + answer.Length) / 4 },
        };
        var bytes = Encoding.UTF8.GetBytes(response.ToJsonString());
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    /// <summary>A write proposal as the executor would answer it.</summary>
    public static string Proposal(params (string Path, string BaseSha256, string Content)[] writes) =>
        new JsonObject
        {
            ["summary"] = "scripted",
            ["writes"] = new JsonArray([.. writes.Select(w => (JsonNode)new JsonObject { ["path"] = w.Path, ["base_sha256"] = w.BaseSha256, ["content"] = w.Content })]),
        }.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
