namespace LlmCompiler.Validation;

/// <summary>
/// One string per distinct token among the commands of a plan: work orders repeat their programs, subcommands and
/// project paths (<c>dotnet test tests/App.Tests/App.Tests.csproj</c> with another filter in each), and a shared
/// instance also lets the path checks that follow answer by reference. Open addressing over the span's hash, because
/// the engine targets net8.0, where a string set cannot be searched by span.
/// </summary>
internal sealed class TokenPool
{
    private string?[] _slots;
    private int _count;

    /// <param name="expected">About how many distinct tokens will be pooled, so the table is sized once.</param>
    public TokenPool(int expected = 32)
    {
        _slots = new string?[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(expected, 16) * 2)];
    }

    /// <summary>The pooled string equal to <paramref name="length"/> characters of <paramref name="text"/> from <paramref name="start"/>.</summary>
    public string Get(string text, int start, int length)
    {
        var token = text.AsSpan(start, length);
        var mask = _slots.Length - 1;
        for (var i = string.GetHashCode(token) & mask; ; i = (i + 1) & mask)
        {
            var slot = _slots[i];
            if (slot is null)
            {
                var added = length == text.Length ? text : text.Substring(start, length);
                _slots[i] = added;
                if (++_count * 2 > _slots.Length) Grow();
                return added;
            }
            if (token.SequenceEqual(slot)) return slot;
        }
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new string?[old.Length * 2];
        var mask = _slots.Length - 1;
        foreach (var s in old)
        {
            if (s is null) continue;
            var i = string.GetHashCode(s.AsSpan()) & mask;
            while (_slots[i] is not null) i = (i + 1) & mask;
            _slots[i] = s;
        }
    }
}
