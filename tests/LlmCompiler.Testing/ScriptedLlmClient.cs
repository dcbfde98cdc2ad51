using System.Collections.Concurrent;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Testing;

/// <summary>
/// An in-memory model that records every request it gets. It answers either from a script function of the request and
/// its 1-based number (<see cref="ScriptedLlmClient(Func{LlmRequest, int, LlmResult})"/>, <see cref="Answering"/>,
/// <see cref="Failing"/>) or, made without one, from a queue filled by <see cref="Answer"/> and <see cref="Fail"/>, in
/// order; a request the queue has no answer for throws.
/// </summary>
public sealed class ScriptedLlmClient : ILlmClient
{
    private readonly Func<LlmRequest, int, LlmResult>? _script;
    private readonly ConcurrentQueue<Func<LlmRequest, LlmResult>> _queue = new();
    private readonly List<LlmRequest> _requests = [];

    public ScriptedLlmClient()
    {
    }

    public ScriptedLlmClient(Func<LlmRequest, int, LlmResult> script) => _script = script;

    public IReadOnlyList<LlmRequest> Requests => _requests;

    /// <summary>Answers every request with <paramref name="text"/> of its last message and number (10 in, 5 out tokens).</summary>
    public static ScriptedLlmClient Answering(Func<string, int, string> text) =>
        new((request, n) => LlmResult.Ok(new LlmResponse { Text = text(request.Messages[^1].Content, n), Model = "scripted", InputTokens = 10, OutputTokens = 5 }));

    /// <summary>Fails every request with <paramref name="code"/>.</summary>
    public static ScriptedLlmClient Failing(string code) =>
        new((_, _) => LlmResult.Fail(DiagnosticCatalog.Create(code, "scripted failure")));

    /// <summary>Queues one answer; a <paramref name="cassetteKey"/> makes it one replayed from a cassette.</summary>
    public ScriptedLlmClient Answer(string text, int inputTokens = 100, int outputTokens = 50, string cassetteKey = "")
    {
        _queue.Enqueue(_ => LlmResult.Ok(new LlmResponse
        {
            Text = text,
            Model = "scripted-model",
            InputTokens = inputTokens,
            OutputTokens = outputTokens,
            CostUsd = 0.001m,
            CassetteKey = cassetteKey,
            FromCassette = cassetteKey.Length > 0,
        }));
        return this;
    }

    /// <summary>Queues one failure.</summary>
    public ScriptedLlmClient Fail(string code, string message)
    {
        _queue.Enqueue(_ => LlmResult.Fail(DiagnosticCatalog.Create(code, message)));
        return this;
    }

    public Task<LlmResult> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int number;
        lock (_requests)
        {
            _requests.Add(request);
            number = _requests.Count;
        }

        if (_script is not null)
        {
            return Task.FromResult(_script(request, number));
        }

        if (!_queue.TryDequeue(out var next))
        {
            throw new InvalidOperationException($"the script has no answer for request #{number}");
        }

        return Task.FromResult(next(request));
    }
}
