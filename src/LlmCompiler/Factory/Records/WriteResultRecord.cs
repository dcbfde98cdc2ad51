namespace LlmCompiler.Factory.Records;

/// <summary><c>attempt_N/write_result.json</c>: what the write gate let through, or why it refused the proposal.</summary>
public sealed record WriteResultRecord
{
    public bool WriteOk { get; init; }
    public IReadOnlyList<string> TouchedFiles { get; init; } = [];
    public IReadOnlyList<string> Errors { get; init; } = [];
}
