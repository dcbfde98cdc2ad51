using LlmCompiler.Diagnostics;

namespace LlmCompiler.Llm;

/// <summary>One chat message. <see cref="Role"/> is <c>system</c>, <c>user</c> or <c>assistant</c>.</summary>
public sealed record LlmMessage(string Role, string Content)
{
    public static LlmMessage System(string content) => new("system", content);
    public static LlmMessage User(string content) => new("user", content);
    public static LlmMessage Assistant(string content) => new("assistant", content);
}

/// <summary>
/// One model call. <see cref="Purpose"/> names the caller for the ledger and cassette names
/// (<c>planner</c>, <c>executor</c>, …). When <see cref="JsonSchema"/> is set and structured output is enabled,
/// the call asks for <c>response_format: json_schema</c>; the caller still validates everything it gets back.
/// </summary>
public sealed record LlmRequest(string Purpose, IReadOnlyList<LlmMessage> Messages)
{
    public string? JsonSchemaName { get; init; }
    public string? JsonSchema { get; init; }

    /// <summary>
    /// The model for this call, instead of the session's (a cheaper or a stronger tier). The session's budget,
    /// ledger, cassettes and connection are shared across models; the cassette key and the price include it.
    /// </summary>
    public string? Model { get; init; }

    /// <summary>
    /// The endpoint for this call, instead of the session's (a role bound to a local server). Not part of the cassette key:
    /// a call recorded against one endpoint replays anywhere.
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The name of the variable holding this call's key, instead of the session's; the key itself is read at the call.</summary>
    public string? ApiKeyEnvironmentVariable { get; init; }

    /// <summary>The sampling temperature for this call, instead of the session's.</summary>
    public float? Temperature { get; init; }

    /// <summary>The output token limit for this call, instead of the session's.</summary>
    public int? MaxOutputTokens { get; init; }
}

/// <summary>A completed call: the text and what it cost.</summary>
public sealed record LlmResponse
{
    public required string Text { get; init; }
    public required string Model { get; init; }
    public string FinishReason { get; init; } = "stop";
    public int InputTokens { get; init; }
    public int OutputTokens { get; init; }
    public decimal CostUsd { get; init; }

    /// <summary>False when the price table has no price for the model: <see cref="CostUsd"/> is then 0 but unknown.</summary>
    public bool PriceKnown { get; init; } = true;
    public TimeSpan Latency { get; init; }
    public string CassetteKey { get; init; } = "";
    public bool FromCassette { get; init; }
}

/// <summary>Either a response or the E3xx diagnostic that explains why there is none.</summary>
public sealed record LlmResult
{
    private LlmResult(LlmResponse? response, Diagnostic? error, string? cassetteKey)
    {
        Response = response;
        Error = error;
        CassetteKey = cassetteKey;
    }

    public LlmResponse? Response { get; }
    public Diagnostic? Error { get; }
    public bool Success => Response is not null;

    /// <summary>The cassette this call was replayed from or recorded to (failures included), or null.</summary>
    public string? CassetteKey { get; }

    public static LlmResult Ok(LlmResponse response) => new(response, null, response.CassetteKey.Length == 0 ? null : response.CassetteKey);
    public static LlmResult Fail(Diagnostic error, string? cassetteKey = null) => new(null, error, cassetteKey);
}

/// <summary>
/// The engine's only door to a model. Failures come back as <see cref="LlmResult.Error"/>; cancellation by
/// the caller's token is thrown as <see cref="OperationCanceledException"/> so the caller can restore state.
/// </summary>
public interface ILlmClient
{
    Task<LlmResult> CompleteAsync(LlmRequest request, CancellationToken cancellationToken);
}

/// <summary>What a client can tell before the first call: that no call can succeed (no key for a live endpoint).</summary>
public interface ILlmPreflight
{
    /// <summary>E300 when every live call would fail for lack of credentials and the mode needs live calls; else null.</summary>
    Diagnostic? Preflight();
}

/// <summary>Running totals of one run's model use, for summaries and MSBuild messages.</summary>
public interface ILlmUsage
{
    int Calls { get; }
    int CassetteHits { get; }
    long InputTokens { get; }
    long OutputTokens { get; }
    decimal CostUsd { get; }
    IReadOnlyList<string> CassetteKeys { get; }

    /// <summary>Models that were called but have no price: totals that include them are lower bounds, shown as unknown.</summary>
    IReadOnlyList<string> UnpricedModels { get; }
}
