using System.Text;
using LlmCompiler.Git;
using LlmCompiler.IO;

namespace LlmCompiler.Factory.Landing;

/// <summary>How a landing ended: landed, or refused (E213) with the reason and the files involved.</summary>
internal sealed record LandingResult(bool Landed, string? Refusal);

/// <summary>
/// Moves the user's branch to a passing commit: only by <c>git merge --ff-only</c>, only while the branch is where
/// the run started, and only after proving every touched path can be replaced (a modified file must be a clean regular
/// file; a new path must not exist at all, ignored files included, because a fast-forward silently overwrites ignored
/// files). If git still fails part-way, the touched paths it changed are put back.
/// </summary>
internal sealed class Lander(FactorySession session)
{
    private const int MaxNamedFiles = 20;

    private static readonly Dictionary<string, string?> LiteralPathspecs = new(StringComparer.Ordinal) { ["GIT_LITERAL_PATHSPECS"] = "1" };

    /// <param name="ownFiles">Files of the commit that already sit untracked in the checkout because the tool itself
    /// wrote them there (recorded cassettes), by path and blob id: moved aside for the fast-forward when their bytes
    /// are exactly the commit's, and put back if it fails.</param>
    public async Task<LandingResult> LandAsync(string baseline, string commit, IReadOnlyList<string> changedPaths, IReadOnlyDictionary<string, string> ownFiles, Action beforeMove, CancellationToken ct)
    {
        var git = session.Git;
        var head = await git.HeadCommitAsync(session.Root, ct).ConfigureAwait(false);
        var branch = await git.CurrentBranchAsync(session.Root, ct).ConfigureAwait(false);
        if (branch != session.Branch) return new(false, $"the checkout is now on '{branch ?? "a detached HEAD"}', not '{session.Branch}'");
        if (head != baseline) return new(false, $"branch '{session.Branch}' moved during the run ({Short(baseline)} → {Short(head)})");

        var baselineTree = await git.TreeEntriesAsync(session.Root, baseline, ct).ConfigureAwait(false);
        var format = await git.ObjectFormatAsync(session.Root, ct).ConfigureAwait(false);
        var movedAside = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (path, blob) in ownFiles)
        {
            var full = Path.Combine(session.Root, path.Replace('/', Path.DirectorySeparatorChar));
            if (baselineTree.ContainsKey(path) || FileKinds.Of(full) != FileKind.Regular) continue;
            var bytes = File.ReadAllBytes(full);
            if (GitObjectId.Blob(bytes, format) == blob) movedAside[path] = bytes;
        }
        if (await BlockingPathsAsync(changedPaths.Where(p => !movedAside.ContainsKey(p)).ToList(), baselineTree, ct).ConfigureAwait(false) is { Count: > 0 } blocked)
        {
            return new(false, $"these paths in your checkout would be overwritten or are in the way: {Name(blocked)}; nothing was changed");
        }

        beforeMove();
        foreach (var path in movedAside.Keys) File.Delete(Path.Combine(session.Root, path.Replace('/', Path.DirectorySeparatorChar)));
        var (ok, why) = await git.FastForwardAsync(session.Root, commit, CancellationToken.None).ConfigureAwait(false);
        if (ok) return new(true, null);

        var now = await git.HeadCommitAsync(session.Root, CancellationToken.None).ConfigureAwait(false);
        if (now == commit) return new(true, null);
        var restored = now == baseline ? await RestoreAsync(changedPaths, baselineTree).ConfigureAwait(false) : [];
        foreach (var (path, bytes) in movedAside)
        {
            // The tool's own files go back exactly as they were (git may or may not have written them before failing).
            var full = Path.Combine(session.Root, path.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            AtomicFile.WriteAllBytes(full, bytes);
        }
        var firstLine = why.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "no reason given";
        return new(false, $"git refused to fast-forward: {firstLine}" + (restored.Count == 0 ? "" : $"; restored {Name(restored)} to the baseline"));
    }

    /// <summary>Touched paths the fast-forward cannot replace safely.</summary>
    private async Task<IReadOnlyList<string>> BlockingPathsAsync(IReadOnlyList<string> paths, IReadOnlyDictionary<string, TreeEntry> baselineTree, CancellationToken ct)
    {
        var blocked = new List<string>();
        foreach (var path in paths)
        {
            var full = Path.Combine(session.Root, path.Replace('/', Path.DirectorySeparatorChar));
            if (ParentInTheWay(path) is { } parent) { blocked.Add($"{path} (its folder '{parent}' is not a directory)"); continue; }
            var kind = FileKinds.Of(full);
            if (baselineTree.ContainsKey(path))
            {
                if (kind != FileKind.Regular) blocked.Add($"{path} ({FileKinds.Noun(kind)})");
            }
            else if (kind != FileKind.Missing)
            {
                blocked.Add($"{path} (exists but is not tracked)");
            }
        }
        // Paths that exist and are tracked must be clean (argv in chunks: git status has no --pathspec-from-file).
        foreach (var chunk in paths.Where(baselineTree.ContainsKey).Chunk(500))
        {
            var status = await session.Git.TryRunAsync(session.Root,
                ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", .. chunk], ct, new GitInput(null, LiteralPathspecs)).ConfigureAwait(false);
            if (!status.Succeeded || status.Stdout is null) blocked.Add($"(git status failed: {status.StderrTail.Trim()})");
            else foreach (var entry in GitCli.ParsePorcelainZ(Encoding.UTF8.GetString(status.Stdout))) blocked.Add($"{entry.Path} (uncommitted change)");
        }
        return [.. blocked.Distinct(StringComparer.Ordinal)];
    }

    private string? ParentInTheWay(string path)
    {
        var segments = path.Split('/');
        var current = session.Root;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            current = Path.Combine(current, segments[i]);
            var kind = FileKinds.Of(current);
            if (kind == FileKind.Missing) return null;
            if (kind != FileKind.Directory) return string.Join('/', segments[..(i + 1)]);
        }
        return null;
    }

    /// <summary>After a failed fast-forward: tracked paths back to the baseline's content, new paths removed.</summary>
    private async Task<IReadOnlyList<string>> RestoreAsync(IReadOnlyList<string> paths, IReadOnlyDictionary<string, TreeEntry> baselineTree)
    {
        var git = session.Git;
        var restored = new List<string>();
        var head = await git.HeadCommitAsync(session.Root, CancellationToken.None).ConfigureAwait(false);
        var tracked = paths.Where(baselineTree.ContainsKey).ToList();
        if (tracked.Count > 0 && head is not null)
        {
            var changed = new List<string>();
            foreach (var chunk in tracked.Chunk(500))
            {
                var status = await git.TryRunAsync(session.Root, ["status", "--porcelain=v1", "-z", "--", .. chunk], CancellationToken.None,
                    new GitInput(null, LiteralPathspecs)).ConfigureAwait(false);
                changed.AddRange(status.Stdout is null ? chunk : GitCli.ParsePorcelainZ(Encoding.UTF8.GetString(status.Stdout)).Select(e => e.Path));
            }
            if (changed.Count > 0)
            {
                var list = Encoding.UTF8.GetBytes(string.Concat(changed.Select(p => p + "\0")));
                var checkout = await git.TryRunAsync(session.Root, ["checkout", "HEAD", "--pathspec-from-file=-", "--pathspec-file-nul"], CancellationToken.None,
                    new GitInput(list, LiteralPathspecs)).ConfigureAwait(false);
                if (checkout.Succeeded) restored.AddRange(changed);
            }
        }
        foreach (var path in paths.Where(p => !baselineTree.ContainsKey(p)))
        {
            var full = Path.Combine(session.Root, path.Replace('/', Path.DirectorySeparatorChar));
            if (FileKinds.Of(full) != FileKind.Regular) continue;
            try
            {
                // It did not exist before the fast-forward (checked above), so git created it.
                File.Delete(full);
                restored.Add(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        return restored;
    }

    private static string Name(IReadOnlyCollection<string> files) =>
        files.Count <= MaxNamedFiles ? string.Join(", ", files) : string.Join(", ", files.Take(MaxNamedFiles)) + $", … ({files.Count - MaxNamedFiles} more)";

    private static string Short(string? sha) => sha is null ? "(none)" : sha[..Math.Min(10, sha.Length)];
}
