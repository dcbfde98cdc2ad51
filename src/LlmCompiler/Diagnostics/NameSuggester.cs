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
            var d = BoundedDistance(lowered, candidate.ToLowerInvariant(), maxDistance);
            if (d < bestDistance || d == bestDistance && best is not null && string.CompareOrdinal(candidate, best) < 0)
            {
                bestDistance = d;
                best = candidate;
            }
        }
        return bestDistance <= maxDistance ? best : null;
    }

    /// <summary>
    /// Levenshtein distance when it is at most <paramref name="bound"/>, else <c>bound + 1</c>. A common prefix and suffix
    /// never change the distance and are skipped (paths of one folder share most of their text); of the rest only the
    /// diagonal band of width <c>2 × bound + 1</c> can hold such a distance, and a row whose band all exceeds the bound
    /// ends the walk, so comparing a path with thousands of others costs a few cells each.
    /// </summary>
    public static int BoundedDistance(string a, string b, int bound)
    {
        var over = bound + 1;
        if (bound < 0 || Math.Abs(a.Length - b.Length) > bound) return over;
        var x = a.AsSpan();
        var y = b.AsSpan();
        var prefix = x.CommonPrefixLength(y);
        x = x[prefix..];
        y = y[prefix..];
        var suffix = 0;
        while (suffix < x.Length && suffix < y.Length && x[^(suffix + 1)] == y[^(suffix + 1)]) suffix++;
        x = x[..^suffix];
        y = y[..^suffix];
        if (x.Length == 0 || y.Length == 0) return Math.Min(x.Length + y.Length, over);

        Span<int> rows = y.Length < 512 ? stackalloc int[2 * (y.Length + 1)] : new int[2 * (y.Length + 1)];
        var previous = rows[..(y.Length + 1)];
        var current = rows[(y.Length + 1)..];
        for (var j = 0; j <= y.Length; j++) previous[j] = Math.Min(j, over);
        for (var i = 1; i <= x.Length; i++)
        {
            var lo = Math.Max(1, i - bound);
            var hi = Math.Min(y.Length, i + bound);
            current[lo - 1] = lo == 1 ? Math.Min(i, over) : over;
            var rowMinimum = current[lo - 1];
            for (var j = lo; j <= hi; j++)
            {
                var cost = x[i - 1] == y[j - 1] ? 0 : 1;
                var cell = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                if (cell > over) cell = over;
                current[j] = cell;
                if (cell < rowMinimum) rowMinimum = cell;
            }
            // The next row reads one cell past this band: outside it every distance is over the bound.
            if (hi < y.Length) current[hi + 1] = over;
            if (rowMinimum > bound) return over;
            var swap = previous;
            previous = current;
            current = swap;
        }
        return Math.Min(previous[y.Length], over);
    }
}
