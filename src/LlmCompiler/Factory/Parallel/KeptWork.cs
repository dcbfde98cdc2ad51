using LlmCompiler.Contracts;
using LlmCompiler.Git;

namespace LlmCompiler.Factory.Parallel;

/// <summary>
/// A work order's passing commit that has not landed yet (kept on <c>llmc/&lt;run&gt;/&lt;wo&gt;</c>): the base it was
/// made on, and the files it changes, which is all the merge queue needs to apply it onto another commit.
/// </summary>
internal sealed record KeptWork(WorkOrder WorkOrder, GitCommitInfo Commit, string Base, IReadOnlyList<TreeEntry> Changes)
{
    /// <summary>The branch it is kept on, when there is one.</summary>
    public string? Branch { get; init; }

    /// <summary>Reads a kept commit; null when it is not one commit on one parent that only adds or changes files.</summary>
    public static async Task<KeptWork?> ReadAsync(GitCli git, string root, WorkOrder wo, string commit, CancellationToken ct)
    {
        var info = await git.CommitInfoAsync(root, commit, ct).ConfigureAwait(false);
        if (info.Parents is not [var parent]) return null;
        var changed = await git.ChangedPathsAsync(root, parent, commit, ct).ConfigureAwait(false);
        var tree = await git.TreeEntriesAsync(root, commit, ct).ConfigureAwait(false);
        var changes = new List<TreeEntry>(changed.Count);
        foreach (var path in changed)
        {
            // The factory never deletes: a commit that does is not one of its own.
            if (!tree.TryGetValue(path, out var entry)) return null;
            changes.Add(entry);
        }
        return new KeptWork(wo, info, parent, changes);
    }

    /// <summary>
    /// The commit a work order of a parallel run starts from: <paramref name="baseline"/> with the changes of its
    /// kept ancestors applied in plan order. It is never landed; the merge queue lands each ancestor's own commit.
    /// </summary>
    public static async Task<string> FrontierAsync(GitCli git, string root, string scratch, string baseline, IReadOnlyList<KeptWork> ancestors, CancellationToken ct)
    {
        if (ancestors.Count == 0) return baseline;
        var entries = new Dictionary<string, TreeEntry>(StringComparer.Ordinal);
        foreach (var kept in ancestors)
        {
            foreach (var change in kept.Changes) entries[change.Path] = change;
        }
        var names = string.Join(", ", ancestors.Select(a => a.WorkOrder.Id));
        return await git.CommitTreeAsync(root, scratch, baseline, [.. entries.Values], $"llmc: {names} applied on {baseline[..Math.Min(12, baseline.Length)]} (a work order's starting point; never landed)\n", ct).ConfigureAwait(false);
    }
}
