namespace LlmCompiler.Diagnostics;

/// <summary>
/// The "did you mean" of every front-end: the known name closest to a misspelt one, by edit distance. One
/// implementation, so a misspelt JSON property, file path and command-line command are judged alike.
/// </summary>
public static class NameSuggester
{
    /// <summary>The closest of <paramref name="known"/> within <paramref name="maxDistance"/> edits (case-insensitive), or null.</summary>
    public static string? Suggest(string name, IEnumerable<string> known, int maxDistance = 2)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var lowered = name.ToLowerInvariant();
        foreach (var candidate in known)
        {
            var d = Distance(lowered, candidate.ToLowerInvariant(), maxLengthGap: maxDistance);
            if (d < bestDistance || d == bestDistance && best is not null && string.CompareOrdinal(candidate, best) < 0)
            {
                bestDistance = d;
                best = candidate;
            }
        }
        return bestDistance <= maxDistance ? best : null;
    }

    /// <summary>Levenshtein distance, or <see cref="int.MaxValue"/> when the lengths alone differ by more than <paramref name="maxLengthGap"/>.</summary>
    public static int Distance(string a, string b, int maxLengthGap)
    {
        if (Math.Abs(a.Length - b.Length) > maxLengthGap) return int.MaxValue;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
