namespace LlmCompiler.Factory.Records;

/// <summary>A stage an attempt ran, and whether it passed (the failing one is the last of the attempt's list).</summary>
public sealed record StageRecord(string Name, bool Passed);
