using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Git;

namespace LlmCompiler.Validation;

/// <summary>
/// The files that exist in the target repository before a plan runs, as repository-relative paths with '/'.
/// In a git work tree: tracked files plus untracked files that are not ignored (what a fresh clone plus the
/// user's new files would hold). Elsewhere: a directory walk that skips VCS, cache and build-output folders.
/// </summary>
public static class RepoListing
{
    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.Ordinal)
    {
        ".git", "__pycache__", ".pytest_cache", "node_modules", ".mypy_cache", ".tox", ".venv", "venv", ".eggs",
        "bin", "obj", ".llmc", ".vs",
    };

    public static IReadOnlySet<string> Load(string repoDirectory) =>
        TryGitListing(repoDirectory) ?? WalkDirectory(repoDirectory);

    private static HashSet<string>? TryGitListing(string directory)
    {
        // Tracked plus untracked-not-ignored: what the next commit could hold. Any git failure (not a work
        // tree, git missing) falls back to the directory walk.
        var result = new GitCli(timeout: TimeSpan.FromSeconds(60))
            .TryRunAsync(directory, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
            .GetAwaiter().GetResult();
        if (!result.Succeeded || result.Stdout is null || result.StdoutOverflowed) return null;
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in Encoding.UTF8.GetString(result.Stdout).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // Deleted-but-tracked files are still in the index; only what exists counts.
            if (File.Exists(Path.Combine(directory, entry))) files.Add(entry);
        }
        return files;
    }

    private static HashSet<string> WalkDirectory(string root)
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(dir).EnumerateFileSystemInfos();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var entry in entries)
            {
                if (entry is DirectoryInfo d)
                {
                    // Symlinked directories are not followed: they can point outside the repository.
                    if (d.LinkTarget is null && !SkippedDirectories.Contains(d.Name)) pending.Push(d.FullName);
                }
                else
                {
                    var relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
                    files.Add(RepoPath.NormalizeOrNull(relative) ?? relative);
                }
            }
        }
        return files;
    }
}
