namespace LlmCompiler.Contracts;

/// <summary>One full-file write proposed by the executor: the new content and the hash it was based on.</summary>
public sealed record FileWrite(string Path, string BaseSha256, string Content)
{
    /// <summary>SHA-256 of zero bytes: the base hash of a file that does not exist yet.</summary>
    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
}

/// <summary>The executor LLM's answer for one attempt.</summary>
public sealed record WriteProposal
{
    public const int MaxFileBytes = 200 * 1024;
    public const int MaxTotalBytes = 500 * 1024;

    public string Summary { get; init; } = "";
    public IReadOnlyList<FileWrite> Writes { get; init; } = [];
}
