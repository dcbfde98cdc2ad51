using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Tests.Factory;

/// <summary>An in-memory executor model: answers from a script and records the requests it got.</summary>
internal sealed class ScriptedLlmClient(Func<LlmRequest, int, LlmResult> script) : ILlmClient
{
    private readonly List<LlmRequest> _requests = [];

    public IReadOnlyList<LlmRequest> Requests => _requests;

    public static ScriptedLlmClient Answering(Func<string, int, string> text) =>
        new((request, n) => LlmResult.Ok(new LlmResponse { Text = text(request.Messages[^1].Content, n), Model = "scripted", InputTokens = 10, OutputTokens = 5 }));

    public static ScriptedLlmClient Failing(string code) =>
        new((_, _) => LlmResult.Fail(DiagnosticCatalog.Create(code, "scripted failure")));

    public Task<LlmResult> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _requests.Add(request);
        return Task.FromResult(script(request, _requests.Count));
    }
}
