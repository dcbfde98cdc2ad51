using LlmCompiler.IO;

namespace LlmCompiler.Git;

/// <summary>
/// Keeps llmc's run folders out of <c>git status</c> through the repository's <c>info/exclude</c> (never the
/// tracked <c>.gitignore</c>), so artifacts can never make the factory see a dirty tree.
/// </summary>
public static class GitExclude
{
    /// <summary>Unanchored, so it also matches when the tool's root is a subfolder of the work tree.</summary>
    public const string ArtifactsPattern = ".llmc/";

    /// <summary>Adds the artifacts pattern to the exclude file of the repository at <paramref name="workTree"/>; no-op outside git.</summary>
    public static async Task EnsureArtifactsExcludedAsync(GitCli git, string workTree, CancellationToken ct = default)
    {
        var result = await git.TryRunAsync(workTree, ["rev-parse", "--git-path", "info/exclude"], ct).ConfigureAwait(false);
        if (result.ExitCode != 0) return;
        var relative = result.StdoutTail.Trim();
        if (relative.Length == 0) return;
        AddLine(Path.GetFullPath(Path.Combine(workTree, relative)), ArtifactsPattern);
    }

    /// <summary>Appends <paramref name="pattern"/> unless present. A directory, FIFO or device where the file belongs is
    /// a <see cref="ToolStateException"/> (reading a FIFO would block forever).</summary>
    internal static void AddLine(string excludeFile, string pattern)
    {
        var kind = FileKinds.Of(excludeFile);
        if (kind is not (FileKind.Missing or FileKind.Regular))
        {
            throw new ToolStateException($"'{excludeFile}' {FileKinds.Describe(kind)}, not git's exclude file");
        }
        var existing = kind == FileKind.Missing ? "" : SafeFile.ReadTextOrNull(excludeFile, 16 * 1024 * 1024)
            ?? throw new ToolStateException($"'{excludeFile}' cannot be read");
        if (existing.Split('\n').Any(line => line.Trim() == pattern)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(excludeFile)!);
        var separator = existing.Length == 0 || existing.EndsWith('\n') ? "" : "\n";
        AtomicFile.WriteAllText(excludeFile, existing + separator + "# llmc run artifacts\n" + pattern + "\n");
    }
}
