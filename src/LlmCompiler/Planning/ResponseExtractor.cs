using System.Text;
using LlmCompiler.Contracts.Json;

namespace LlmCompiler.Planning;

/// <summary>
/// Finds the JSON object in a model's answer when the model wrapped it in a Markdown fence or prose. The
/// result is the saved raw response with everything outside the object blanked to spaces (newlines kept),
/// so byte offsets, and therefore every diagnostic position, still point into the saved file.
/// </summary>
internal static class ResponseExtractor
{
    private const int MaxCandidates = 16;

    /// <summary>Parses <paramref name="rawText"/>, reporting positions against <paramref name="savedPath"/>.</summary>
    public static JsonParseResult Parse(string savedPath, string rawText)
    {
        var bytes = Encoding.UTF8.GetBytes(rawText);
        var direct = JsonSyntaxParser.Parse(new SourceText(savedPath, bytes));
        if (direct.Success || bytes.Length > JsonSyntaxParser.MaxDocumentBytes) return direct;

        JsonParseResult? firstAttempt = null;
        foreach (var (start, end) in Candidates(bytes))
        {
            var result = JsonSyntaxParser.Parse(new SourceText(savedPath, Blank(bytes, start, end)));
            if (result.Root is JsonObjectSyntax obj && obj.Find("work_orders") is not null) return result;
            firstAttempt ??= result;
        }
        // Report the error of the most plausible span: an unclosed object (truncated output) or garbage.
        return firstAttempt is { Success: false } ? firstAttempt : firstAttempt ?? direct;
    }

    /// <summary>Spans worth trying, best first: fenced blocks whose body starts with an object, then objects in prose.</summary>
    private static IEnumerable<(int Start, int End)> Candidates(byte[] text)
    {
        var yielded = 0;
        foreach (var (start, end) in FencedBodies(text))
        {
            var open = Array.IndexOf(text, (byte)'{', start, end - start);
            if (open < 0 || !IsWhitespace(text, start, open)) continue;
            yield return (open, MatchingBrace(text, open, end));
            if (++yielded >= MaxCandidates) yield break;
        }
        for (var i = 0; i < text.Length && yielded < MaxCandidates; i++)
        {
            if (text[i] != (byte)'{') continue;
            yield return (i, MatchingBrace(text, i, text.Length));
            yielded++;
        }
    }

    /// <summary>Body spans of <c>```</c> fences; an unclosed fence runs to the end of the text.</summary>
    private static IEnumerable<(int Start, int End)> FencedBodies(byte[] text)
    {
        var i = 0;
        while (i < text.Length)
        {
            var fence = IndexOf(text, "```"u8, i);
            if (fence < 0) yield break;
            var lineEnd = Array.IndexOf(text, (byte)'\n', fence);
            if (lineEnd < 0) yield break;
            var bodyStart = lineEnd + 1;
            var close = IndexOf(text, "\n```"u8, lineEnd);
            var bodyEnd = close < 0 ? text.Length : close + 1;
            yield return (bodyStart, bodyEnd);
            if (close < 0) yield break;
            var afterClose = Array.IndexOf(text, (byte)'\n', close + 1);
            i = afterClose < 0 ? text.Length : afterClose + 1;
        }
    }

    /// <summary>End (exclusive) of the object opening at <paramref name="open"/>, string- and escape-aware; <paramref name="limit"/> when unclosed.</summary>
    private static int MatchingBrace(byte[] text, int open, int limit)
    {
        var depth = 0;
        var inString = false;
        for (var i = open; i < limit; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == (byte)'\\') i++;
                else if (c == (byte)'"') inString = false;
                continue;
            }
            switch (c)
            {
                case (byte)'"': inString = true; break;
                case (byte)'{' or (byte)'[': depth++; break;
                case (byte)'}' or (byte)']':
                    if (--depth == 0) return i + 1;
                    break;
            }
        }
        return limit;
    }

    private static byte[] Blank(byte[] text, int start, int end)
    {
        var copy = (byte[])text.Clone();
        for (var i = 0; i < copy.Length; i++)
        {
            if ((i < start || i >= end) && copy[i] != (byte)'\n' && copy[i] != (byte)'\r') copy[i] = (byte)' ';
        }
        return copy;
    }

    private static bool IsWhitespace(byte[] text, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (text[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return false;
        }
        return true;
    }

    private static int IndexOf(byte[] text, ReadOnlySpan<byte> needle, int from)
    {
        if (from >= text.Length) return -1;
        var found = text.AsSpan(from).IndexOf(needle);
        return found < 0 ? -1 : from + found;
    }
}
