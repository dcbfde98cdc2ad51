using LlmCompiler.Git;
using LlmCompiler.IO;

namespace LlmCompiler.Factory.Isolation;

/// <summary>What a guard watches: always the git state that executes code later or moves the user's branch; without a
/// sandbox also the user's checkout (ignored files included) and the git and shell configuration in the home folder.</summary>
/// <param name="CommonDir">The repository's git common dir.</param>
/// <param name="AttemptGitDir">The attempt worktree's own git dir (its HEAD and index may change; its config may not).</param>
/// <param name="CheckoutRoot">The user's checkout, or null to leave it unwatched (the sandbox hides it).</param>
/// <param name="HomeFiles">Files in the home folder to watch, or empty.</param>
internal sealed record GuardScope(string CommonDir, string AttemptGitDir, string? CheckoutRoot, IReadOnlyList<string> HomeFiles)
{
    /// <summary>The home files whose change would run code or leak credentials later, outside any check.</summary>
    public static IReadOnlyList<string> DefaultHomeFiles()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home)) return [];
        return [.. new[] { ".gitconfig", ".config/git/config", ".config/git/attributes", ".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", ".ssh/config", ".ssh/authorized_keys" }
            .Select(relative => Path.Combine(home, relative.Replace('/', Path.DirectorySeparatorChar)))];
    }
}

/// <summary>
/// "Snapshot then sweep" (reliability-and-security.md §7) around every verify and acceptance command, which run
/// code the model wrote. The guard records the watched files before the command and afterwards puts back the exact
/// bytes of whatever changed, appeared or vanished, and reports it: such a change fails the attempt and stops the
/// run (E218). Under the sandbox these paths are read-only or hidden, so the guard is a second line; without it,
/// the guard is the only one and cannot undo everything (a modified ignored file larger than the snapshot limit is
/// reported, not restored).
/// </summary>
internal sealed class OutsideWorldGuard
{
    private const long MaxSnapshotFileBytes = 1024 * 1024;
    private const long MaxSnapshotTotalBytes = 64L * 1024 * 1024;

    // Git state that runs code later (config, hooks, attributes, alternates), moves branches (refs, HEAD), or hides
    // files from the factory's own checks (info/exclude). Paths relative to the common dir.
    private static readonly string[] GitFiles = ["config", "config.worktree", "HEAD", "ORIG_HEAD", "packed-refs", "shallow", "commondir"];
    private static readonly HashSet<string> SlotCheckoutState = new(StringComparer.Ordinal)
    {
        "HEAD", "ORIG_HEAD", "logs", "AUTO_MERGE", "COMMIT_EDITMSG", "MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "SQUASH_MSG",
        "CHERRY_PICK_HEAD", "REVERT_HEAD", "REBASE_HEAD", "rebase-merge", "rebase-apply", "sequencer",
    };

    private static readonly string[] GitDirectories = ["refs", "hooks", "info", Path.Combine("objects", "info"), "logs", "worktrees", "modules"];

    private readonly GuardScope _scope;
    private readonly Dictionary<string, Entry> _before;

    private OutsideWorldGuard(GuardScope scope, Dictionary<string, Entry> before)
    {
        _scope = scope;
        _before = before;
    }

    public static OutsideWorldGuard Take(GuardScope scope)
    {
        var budget = new long[] { MaxSnapshotTotalBytes };
        return new OutsideWorldGuard(scope, Scan(scope, budget, withContent: true));
    }

    /// <summary>
    /// Compares the watched files with the snapshot, restores what can be restored and returns one line per change
    /// (empty when nothing changed). Tracked files of the checkout that were too big to snapshot are restored from HEAD.
    /// </summary>
    public async Task<IReadOnlyList<string>> RestoreChangesAsync(GitCli git, CancellationToken ct)
    {
        var now = Scan(_scope, [0], withContent: false);
        var changes = new List<string>();
        var fromHead = new List<(string Key, string Relative)>();
        foreach (var (key, entry) in now.Where(e => !_before.ContainsKey(e.Key)).OrderByDescending(e => e.Key.Length))
        {
            if (key == PackedRefsKey && SignificantPackedRefs(SafeRead(entry.FullPath)) == "") continue;
            Delete(entry.FullPath, entry.Kind);
            changes.Add($"{Describe(key)} appeared (removed)");
        }
        foreach (var (key, before) in _before.OrderBy(e => e.Key.Length))
        {
            if (now.TryGetValue(key, out var after) && after.SameAs(before)) continue;
            if (key == PackedRefsKey && before.Content is { } packed
                && SignificantPackedRefs(packed) == SignificantPackedRefs(after is { Kind: FileKind.Regular } ? SafeRead(after.FullPath) : null))
            {
                continue;
            }
            if (before.Kind == FileKind.Directory)
            {
                if (!Directory.Exists(before.FullPath)) Directory.CreateDirectory(before.FullPath);
                continue;
            }
            if (before.Content is { } bytes)
            {
                if (after is not null && after.Kind != FileKind.Regular) Delete(after.FullPath, after.Kind);
                Directory.CreateDirectory(Path.GetDirectoryName(before.FullPath)!);
                var was = RefValue(bytes);
                var nowValue = after is { Kind: FileKind.Regular } ? RefValue(SafeRead(after.FullPath)) : null;
                AtomicFile.WriteAllBytes(before.FullPath, bytes);
                if (!OperatingSystem.IsWindows() && before.Mode is { } mode) File.SetUnixFileMode(before.FullPath, mode);
                var moved = was is not null && nowValue is not null ? $" from {was} to {nowValue}" : "";
                changes.Add($"{Describe(key)} {(after is null ? "deleted" : "modified")}{moved} (restored)");
            }
            else if (before.Kind == FileKind.SymbolicLink && before.LinkTarget is { } target)
            {
                if (after is not null) Delete(after.FullPath, after.Kind);
                File.CreateSymbolicLink(before.FullPath, target);
                changes.Add($"{Describe(key)} {(after is null ? "deleted" : "modified")} (restored)");
            }
            else if (key.StartsWith(CheckoutPrefix, StringComparison.Ordinal))
            {
                fromHead.Add((key, key[CheckoutPrefix.Length..]));
            }
            else
            {
                changes.Add($"{Describe(key)} {(after is null ? "deleted" : "modified")} (NOT restored: larger than the snapshot limit)");
            }
        }
        if (fromHead.Count > 0 && _scope.CheckoutRoot is { } root)
        {
            var restored = await git.TryRunAsync(root, ["checkout", "HEAD", "--", .. fromHead.Select(f => f.Relative.Replace(Path.DirectorySeparatorChar, '/'))], ct).ConfigureAwait(false);
            foreach (var (key, _) in fromHead) changes.Add($"{Describe(key)} modified ({(restored.Succeeded ? "restored from HEAD" : "NOT restored: not tracked and larger than the snapshot limit")})");
        }
        return changes;
    }

    private const string GitPrefix = "git:";
    private const string CheckoutPrefix = "checkout:";
    private const string PackedRefsKey = GitPrefix + "packed-refs";

    /// <summary>
    /// The entries of <c>packed-refs</c> outside the namespaces that move legitimately while a command runs: git
    /// rewrites (or first creates) the file whenever the harness deletes an <c>llmc/</c> branch of a parallel work
    /// order, and a fetch packs remote-tracking refs. A change to any other entry is a moved branch or tag.
    /// </summary>
    private static string SignificantPackedRefs(byte[]? content)
    {
        if (content is null) return "";
        var kept = new System.Text.StringBuilder();
        var keepPeeled = false;
        foreach (var line in System.Text.Encoding.UTF8.GetString(content).Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            if (line.StartsWith('^'))
            {
                if (keepPeeled) kept.Append(line).Append('\n');
                continue;
            }
            var name = line[(line.IndexOf(' ') + 1)..];
            keepPeeled = !name.StartsWith("refs/heads/llmc/", StringComparison.Ordinal) && !name.StartsWith("refs/remotes/", StringComparison.Ordinal);
            if (keepPeeled) kept.Append(line).Append('\n');
        }
        return kept.ToString();
    }
    private const string HomePrefix = "home:";

    private static string Describe(string key) =>
        key.StartsWith(GitPrefix, StringComparison.Ordinal) ? $".git/{key[GitPrefix.Length..].Replace(Path.DirectorySeparatorChar, '/')}"
        : key.StartsWith(CheckoutPrefix, StringComparison.Ordinal) ? $"checkout file {key[CheckoutPrefix.Length..].Replace(Path.DirectorySeparatorChar, '/')}"
        : $"home file ~/{key[HomePrefix.Length..].Replace(Path.DirectorySeparatorChar, '/')}";

    private static Dictionary<string, Entry> Scan(GuardScope scope, long[] budget, bool withContent)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var attemptGitDir = Path.GetFullPath(scope.AttemptGitDir);
        foreach (var name in GitFiles) Add(entries, GitPrefix + name, Path.Combine(scope.CommonDir, name), budget, withContent, hash: true);
        var attemptConfig = Path.Combine(attemptGitDir, "config.worktree");
        Add(entries, GitPrefix + Path.GetRelativePath(scope.CommonDir, attemptConfig), attemptConfig, budget, withContent, hash: true);
        foreach (var dir in GitDirectories)
        {
            Walk(entries, GitPrefix, scope.CommonDir, Path.Combine(scope.CommonDir, dir), budget, withContent, hash: true, skip: IsVolatileGitState);
        }

        // The attempt's own HEAD and index move legitimately; other worktrees' indexes are refreshed by any git status;
        // remote-tracking refs move when an IDE fetches. None of them runs code or moves a branch. Work orders running
        // in parallel reset their own slots and keep their commits on llmc/ branches meanwhile: the harness's own
        // namespace, which never moves the user's branch (landing waits until no command runs).
        bool IsVolatileGitState(string path) =>
            PhysicalPath.IsInside(path, attemptGitDir)
            || Path.GetFileName(path) is "index" or "FETCH_HEAD" || path.EndsWith(".lock", StringComparison.Ordinal)
            || PhysicalPath.IsInside(path, Path.Combine(scope.CommonDir, "refs", "remotes"))
            || PhysicalPath.IsInside(path, Path.Combine(scope.CommonDir, "logs", "refs", "remotes"))
            || PhysicalPath.IsInside(path, Path.Combine(scope.CommonDir, "refs", "heads", "llmc"))
            || PhysicalPath.IsInside(path, Path.Combine(scope.CommonDir, "logs", "refs", "heads", "llmc"))
            || IsOtherSlotCheckoutState(path);

        // Another slot's checkout state — HEAD, its reflog, and what a commit, merge or rebase in that slot leaves
        // beside it — which that slot's own command or reset moves; none of it runs code, and the harness never commits
        // in a slot. Its config.worktree stays watched.
        bool IsOtherSlotCheckoutState(string path)
        {
            var worktrees = Path.Combine(scope.CommonDir, "worktrees");
            if (!PhysicalPath.IsInside(path, worktrees) || path == worktrees) return false;
            var parts = Path.GetRelativePath(worktrees, path).Split(Path.DirectorySeparatorChar);
            return RepositoryLayout.IsSlotName(parts[0]) && parts.Length > 1 && SlotCheckoutState.Contains(parts[1]);
        }
        if (scope.CheckoutRoot is { } root)
        {
            var gitEntry = Path.Combine(root, ".git");
            var tool = Path.Combine(root, RepositoryLayout.ToolDirectoryName);
            Walk(entries, CheckoutPrefix, root, root, budget, withContent, hash: false,
                skip: path => path == gitEntry || path == tool || PhysicalPath.IsInside(path, scope.CommonDir));
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        foreach (var file in scope.HomeFiles)
        {
            var relative = string.IsNullOrEmpty(home) ? file : Path.GetRelativePath(home, file);
            Add(entries, HomePrefix + relative, file, budget, withContent, hash: true);
        }
        return entries;
    }

    private static void Walk(Dictionary<string, Entry> entries, string prefix, string baseDir, string dir, long[] budget, bool withContent, bool hash, Func<string, bool> skip)
    {
        if (FileKinds.Of(dir) != FileKind.Directory || skip(dir)) return;
        if (dir != baseDir) Add(entries, prefix + Path.GetRelativePath(baseDir, dir), dir, budget, withContent, hash);
        IEnumerable<string> children;
        try { children = Directory.EnumerateFileSystemEntries(dir).ToList(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return; }
        foreach (var child in children)
        {
            if (skip(child)) continue;
            if (FileKinds.Of(child) == FileKind.Directory) Walk(entries, prefix, baseDir, child, budget, withContent, hash, skip);
            else Add(entries, prefix + Path.GetRelativePath(baseDir, child), child, budget, withContent, hash);
        }
    }

    /// <param name="hash">Compare by content (small git and home files); otherwise by size, time and mode (the checkout, which can be large).</param>
    private static void Add(Dictionary<string, Entry> entries, string key, string path, long[] budget, bool withContent, bool hash)
    {
        var kind = FileKinds.Of(path);
        if (kind == FileKind.Missing) return;
        try
        {
            var info = new FileInfo(path);
            UnixFileMode? mode = OperatingSystem.IsWindows() || kind == FileKind.SymbolicLink ? null : File.GetUnixFileMode(path);
            var entry = new Entry(path, kind, kind == FileKind.Regular ? info.Length : 0, kind == FileKind.Directory ? 0 : info.LastWriteTimeUtc.Ticks, mode,
                kind == FileKind.SymbolicLink ? info.LinkTarget : null, null, hash && kind == FileKind.Regular && info.Length <= MaxSnapshotFileBytes ? Hash(path) : null);
            if (withContent && kind == FileKind.Regular && info.Length <= MaxSnapshotFileBytes && budget[0] >= info.Length)
            {
                var bytes = File.ReadAllBytes(path);
                budget[0] -= bytes.Length;
                entry = entry with { Content = bytes };
            }
            entries[key] = entry;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Vanished or unreadable while scanning: compared by kind only.
            entries[key] = new Entry(path, kind, 0, 0, null, null, null, null);
        }
    }

    /// <summary>A ref file's value (so a message can say where a branch was moved), or null for other content.</summary>
    private static string? RefValue(byte[]? bytes)
    {
        if (bytes is null || bytes.Length > 100) return null;
        var text = System.Text.Encoding.ASCII.GetString(bytes).Trim();
        return text.Length is 40 or 64 && text.All(char.IsAsciiHexDigit) ? text[..12] : text.StartsWith("ref: ", StringComparison.Ordinal) ? text : null;
    }

    private static byte[]? SafeRead(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    private static string? Hash(string path)
    {
        try { return ContentHash.Sha256Hex(File.ReadAllBytes(path)); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    private static void Delete(string path, FileKind kind)
    {
        try
        {
            if (kind == FileKind.Directory) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }

    private sealed record Entry(string FullPath, FileKind Kind, long Size, long ModifiedTicks, UnixFileMode? Mode, string? LinkTarget, byte[]? Content, string? Sha256)
    {
        /// <summary>Same kind, size, mode, link target and (for small files) content; timestamps alone do not count.</summary>
        public bool SameAs(Entry other) =>
            Kind == other.Kind && Size == other.Size && Mode == other.Mode && LinkTarget == other.LinkTarget
            && (Sha256 is null || other.Sha256 is null ? ModifiedTicks == other.ModifiedTicks : Sha256 == other.Sha256);
    }
}
