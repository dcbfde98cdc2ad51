using LlmCompiler.Configuration.Roles;
using Microsoft.Extensions.FileSystemGlobbing;

namespace LlmCompiler.Factory.Review;

/// <summary>One changed file of a candidate commit, as <c>git diff --numstat</c> counts it (binary files count no lines).</summary>
public sealed record ChangedFile(string Path, int AddedLines, int DeletedLines)
{
    public int ChangedLines => AddedLines + DeletedLines;
}

/// <summary>
/// Whether a passing work order gets a review, and why: it escalated, it changed more files or lines than the
/// policy's thresholds, or it touched a path matching one of the policy's <c>always</c> globs. Pure; the budget
/// check comes after (a review the budget cannot cover is skipped with W226).
/// </summary>
public static class ReviewTrigger
{
    public static IReadOnlyList<string> Reasons(ReviewPolicy policy, bool escalated, IReadOnlyList<ChangedFile> changes)
    {
        if (!policy.Enabled) return [];
        var reasons = new List<string>();
        if (escalated) reasons.Add("it escalated");
        if (changes.Count > policy.ChangedFilesOver) reasons.Add($"it changed {changes.Count} files (more than {policy.ChangedFilesOver})");
        var lines = changes.Sum(c => c.ChangedLines);
        if (lines > policy.ChangedLinesOver) reasons.Add($"it changed {lines} lines (more than {policy.ChangedLinesOver})");
        if (policy.Always.Count > 0)
        {
            var matcher = new Matcher(StringComparison.OrdinalIgnoreCase);
            matcher.AddIncludePatterns(policy.Always);
            var hits = changes.Where(c => matcher.Match(c.Path).HasMatches).Select(c => c.Path).ToList();
            if (hits.Count > 0) reasons.Add($"it changed {string.Join(", ", hits.Take(3))}{(hits.Count > 3 ? ", …" : "")} (always reviewed)");
        }
        return reasons;
    }
}
