using LlmCompiler.Llm;

namespace LlmCompiler.Factory.Health;

/// <summary>
/// The model as one work order's run sees it: each call asks the run's health budget first (a stopped run sends
/// nothing) and reports transport failures to it.
/// </summary>
internal sealed class HealthGatedClient(ILlmClient inner, RunHealth health, string woId) : ILlmClient
{
    public async Task<LlmResult> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        if (health.BeforeCall(woId) is { } stopped) return LlmResult.Fail(stopped);
        var result = await inner.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
        if (result.Error is { } error) health.CallFailed(error.Code);
        return result;
    }
}
