namespace LlmCompiler.Sandbox;

/// <summary>
/// The file-system view of one sandboxed command. Everything is read-only; the listed folders are writable;
/// masked folders and files are replaced by empty ones (the user's checkout with its ignored files, credential
/// folders in the home directory); re-exposed folders are made visible again, read-only, inside a masked one
/// (the git directory inside the masked checkout).
/// </summary>
public sealed record SandboxMounts
{
    /// <summary>The command's working directory (inside a writable folder).</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>A private folder mounted as <c>/tmp</c> (several tools hard-code <c>/tmp</c>, .NET's named mutexes among them).</summary>
    public required string PrivateTmp { get; init; }

    public IReadOnlyList<string> Writable { get; init; } = [];
    public IReadOnlyList<string> MaskedDirectories { get; init; } = [];
    public IReadOnlyList<string> MaskedFiles { get; init; } = [];
    public IReadOnlyList<string> ReadOnlyReexposed { get; init; } = [];
    public bool Network { get; init; } = true;
}
