namespace LlmCompiler.Factory;

/// <summary>
/// The git state that executes code later, outside any check: config (core.hooksPath, core.fsmonitor, filters,
/// sshCommand, aliases), hooks and info/attributes. Verify and acceptance commands run model-written code with
/// the user's privileges, and the attempt worktree's <c>.git</c> file points into the user's git dir, so that
/// code can reach them. The guard snapshots them before the commands and, if anything changed, puts the exact
/// bytes back and fails the attempt (reliability-and-security.md §7: "snapshot then sweep").
/// </summary>
internal sealed class GitStateGuard
{
    private readonly string _commonDir;
    private readonly Dictionary<string, byte[]> _snapshot = new(StringComparer.Ordinal);

    private GitStateGuard(string commonDir) => _commonDir = commonDir;

    public static GitStateGuard Take(string commonDir, string attemptGitDir)
    {
        var guard = new GitStateGuard(commonDir);
        foreach (var file in guard.WatchedFiles(attemptGitDir)) guard._snapshot[file] = File.ReadAllBytes(file);
        guard._attemptGitDir = attemptGitDir;
        return guard;
    }

    private string _attemptGitDir = "";

    /// <summary>Restores every watched file that changed, appeared or vanished; returns their paths (empty if none).</summary>
    public IReadOnlyList<string> RestoreChanges()
    {
        var changed = new List<string>();
        var now = WatchedFiles(_attemptGitDir).ToHashSet(StringComparer.Ordinal);
        foreach (var file in now.Where(f => !_snapshot.ContainsKey(f)))
        {
            changed.Add(file);
            File.Delete(file);
        }
        foreach (var (file, bytes) in _snapshot)
        {
            if (now.Contains(file) && File.ReadAllBytes(file).AsSpan().SequenceEqual(bytes)) continue;
            changed.Add(file);
            IO.AtomicFile.WriteAllBytes(file, bytes);
        }
        return [.. changed.Select(f => Path.GetRelativePath(_commonDir, f)).Order(StringComparer.Ordinal)];
    }

    private IEnumerable<string> WatchedFiles(string attemptGitDir)
    {
        foreach (var name in new[] { "config", "config.worktree", Path.Combine("info", "attributes") })
        {
            var path = Path.Combine(_commonDir, name);
            if (File.Exists(path)) yield return path;
        }
        var hooks = Path.Combine(_commonDir, "hooks");
        if (Directory.Exists(hooks))
        {
            foreach (var hook in Directory.EnumerateFiles(hooks)) yield return hook;
        }
        var worktreeConfig = Path.Combine(attemptGitDir, "config.worktree");
        if (File.Exists(worktreeConfig)) yield return worktreeConfig;
    }
}
