using System.Collections.Concurrent;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Planning;

/// <summary>An in-memory model: answers from a script, in order, and records every request it received.</summary>
internal sealed class ScriptedLlmClient : ILlmClient
{
    private readonly ConcurrentQueue<Func<LlmRequest, LlmResult>> _script = new();

    public List<LlmRequest> Requests { get; } = [];

    public ScriptedLlmClient Answer(string text, int inputTokens = 100, int outputTokens = 50, string cassetteKey = "")
    {
        _script.Enqueue(_ => LlmResult.Ok(new LlmResponse
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

    public ScriptedLlmClient Fail(string code, string message)
    {
        _script.Enqueue(_ => LlmResult.Fail(DiagnosticCatalog.Create(code, message)));
        return this;
    }

    public Task<LlmResult> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        if (!_script.TryDequeue(out var next))
        {
            throw new InvalidOperationException($"the script has no answer for request #{Requests.Count}");
        }
        return Task.FromResult(next(request));
    }
}
