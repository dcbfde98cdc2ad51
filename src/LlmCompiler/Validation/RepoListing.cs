using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Git;
using LlmCompiler.Processes;

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
        FromGit(ListAsync(PlanBaseline.QueryGit(), repoDirectory, wholeRepository: false, CancellationToken.None).GetAwaiter().GetResult(), repoDirectory)
        ?? WalkDirectory(repoDirectory);

    /// <summary>
    /// Starts the git listing: tracked plus untracked-not-ignored files, what the next commit could hold. With
    /// <paramref name="wholeRepository"/>, the whole work tree around <paramref name="directory"/>, as paths from its top
    /// level (so it can run before the top level is known); otherwise the files under <paramref name="directory"/>,
    /// relative to it. <see cref="FromGit"/> turns the result into the listing.
    /// </summary>
    internal static Task<ProcessResult> ListAsync(GitCli git, string directory, bool wholeRepository, CancellationToken ct) =>
        wholeRepository
            // ":/" is the top level from anywhere below it; pathspec magic is off under GIT_LITERAL_PATHSPECS.
            ? git.TryRunAsync(directory, ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--full-name", "--", ":/"], ct,
                new GitInput(Environment: new Dictionary<string, string?> { ["GIT_LITERAL_PATHSPECS"] = null }))
            : git.TryRunAsync(directory, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ct);

    /// <summary>
    /// The files of a <see cref="ListAsync"/> result that exist below <paramref name="root"/> (the folder its paths are
    /// relative to), or null when git failed (not a work tree, git missing): the caller then walks the directory.
    /// </summary>
    internal static HashSet<string>? FromGit(ProcessResult result, string root)
    {
        if (!result.Succeeded || result.Stdout is null || result.StdoutOverflowed) return null;
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in Encoding.UTF8.GetString(result.Stdout).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // Deleted-but-tracked files are still in the index; only what exists counts.
            if (File.Exists(Path.Combine(root, entry))) files.Add(entry);
        }
        return files;
    }

    /// <summary>The listing outside git: everything below <paramref name="root"/> but VCS, cache and build-output folders.</summary>
    internal static HashSet<string> WalkDirectory(string root)
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
