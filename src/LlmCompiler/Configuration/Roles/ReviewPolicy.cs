namespace LlmCompiler.Configuration.Roles;

/// <summary>
/// When the reviewer runs (after every deterministic gate passed, before landing): the work order escalated, or its
/// change is larger than the thresholds, or it touched a path matching <see cref="Always"/>. Off unless the
/// configuration has a <c>review</c> section or binds the <c>reviewer</c> role.
/// </summary>
public sealed record ReviewPolicy
{
    public const int DefaultChangedFilesOver = 3;
    public const int DefaultChangedLinesOver = 300;

    public static ReviewPolicy Off { get; } = new() { Enabled = false };

    public bool Enabled { get; init; }
    public int ChangedFilesOver { get; init; } = DefaultChangedFilesOver;
    public int ChangedLinesOver { get; init; } = DefaultChangedLinesOver;

    /// <summary>Globs (repository-relative, <c>**</c> for any folders) whose change always gets a review.</summary>
    public IReadOnlyList<string> Always { get; init; } = [];
}
