using System.Text.Json.Serialization;

namespace LlmCompiler.Contracts;

/// <summary>Where in an attempt things went wrong (original §1.7).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FailureStage>))]
public enum FailureStage
{
    [JsonStringEnumMemberName("preflight")] Preflight,
    [JsonStringEnumMemberName("llm_output_invalid")] LlmOutputInvalid,
    [JsonStringEnumMemberName("write_scope_violation")] WriteScopeViolation,
    [JsonStringEnumMemberName("stale_context")] StaleContext,
    [JsonStringEnumMemberName("write_failed")] WriteFailed,
    [JsonStringEnumMemberName("verify_failed")] VerifyFailed,
    [JsonStringEnumMemberName("acceptance_failed")] AcceptanceFailed,
    [JsonStringEnumMemberName("exception")] Exception,
    [JsonStringEnumMemberName("review_blocked")] ReviewBlocked,
}

/// <summary>What the next attempt's prompt is told about the last failure.</summary>
public sealed record FailureBrief
{
    public const int MaxExcerptChars = 2000;
    public const string TruncationMarker = "\n...[truncated]";

    public required FailureStage Stage { get; init; }

    /// <summary>The diagnostic code that classifies this failure (E2xx/E3xx).</summary>
    public required string Code { get; init; }

    public string? Command { get; init; }
    public int? ExitCode { get; init; }
    public string PrimaryErrorExcerpt { get; init; } = "";
    public string ConstraintsReminder { get; init; } = "";

    /// <summary>
    /// The diagnostic behind the failure, with its own file and position (an E214 in the saved answer, an E303 at
    /// the offending character). Kept as an object so the final report does not rebuild it from text.
    /// </summary>
    [JsonIgnore]
    public Diagnostics.Diagnostic? Cause { get; init; }

    /// <summary>Stages that retrying cannot fix.</summary>
    [JsonIgnore]
    public bool IsRetryable => Stage is not (FailureStage.Preflight or FailureStage.WriteFailed);

    public static string Truncate(string text) =>
        text.Length <= MaxExcerptChars ? text : text[..MaxExcerptChars] + TruncationMarker;
}
