using System.Text;

namespace LlmCompiler.Contracts;

/// <summary>
/// The repository-relative path rule (CONTRACT.md §2). Applied to every path in a work order, the verify
/// contract and every proposed write. Ambiguous input is rejected, never "fixed"; only the harmless
/// spellings <c>./a</c>, <c>a//b</c> and a trailing <c>/</c> are normalised.
/// </summary>
public static class RepoPath
{
    public const int MaxSegmentBytes = 255;
    public const int MaxPathBytes = 1024;

    // Win32 maps CON, PRN, AUX, NUL, COM0–9 and LPT0–9 to devices with or without an extension; the superscript
    // digits count too (Windows 11 treats COM¹ as COM1), and CONIN$/CONOUT$ open the console.
    private static bool IsDeviceDigit(char c) => c is (>= '0' and <= '9') or '\u00B9' or '\u00B2' or '\u00B3';

    // Every character the first pass rejects (char.IsControl is U+0000–U+001F and U+007F–U+009F): a clean path is
    // found clean by one vectorised search.
    private static readonly System.Buffers.SearchValues<char> RejectedAscii = System.Buffers.SearchValues.Create(
        "\\:*?[\u007F" + new string([.. Enumerable.Range(0, 0x20).Select(c => (char)c)]));

    /// <summary>Validates and normalises <paramref name="raw"/>; returns false with a reason otherwise.</summary>
    public static bool TryNormalize(string? raw, out string normalized, out string error)
    {
        normalized = "";
        error = Check(raw, out var result) ?? "";
        if (error.Length > 0) return false;
        normalized = result;
        return true;
    }

    public static string? Validate(string? raw) => Check(raw, out _);

    public static bool IsValid(string? raw) => Check(raw, out _) is null;

    /// <summary>Normalises a path already known to be valid (e.g. from git); returns null if it is not.</summary>
    public static string? NormalizeOrNull(string? raw) => Check(raw, out var n) is null ? n : null;

    // A plan names the same paths again and again (a work order's file in its postconditions, allowed_files and
    // context_files, and the next one's preconditions), and the reader hands out one string per repeated text: the
    // last verdicts per thread, keyed by the string instance (strings are immutable), answer most checks.
    [ThreadStatic]
    private static CheckedPath[]? t_recent;

    private struct CheckedPath
    {
        public string? Raw;
        public string? Error;
        public string Normalized;
    }

    private static string? Check(string? raw, out string normalized)
    {
        if (string.IsNullOrEmpty(raw))
        {
            normalized = "";
            return "path must not be empty";
        }
        var recent = t_recent ??= new CheckedPath[64];
        ref var slot = ref recent[System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(raw) & 63];
        if (ReferenceEquals(slot.Raw, raw))
        {
            normalized = slot.Normalized;
            return slot.Error;
        }
        var error = CheckUncached(raw, out normalized);
        slot = new CheckedPath { Raw = raw, Error = error, Normalized = normalized };
        return error;
    }

    private static string? CheckUncached(string raw, out string normalized)
    {
        normalized = "";
        if (char.IsWhiteSpace(raw[0]) || char.IsWhiteSpace(raw[^1])) return "path must not start or end with whitespace";
        var first = raw.AsSpan().IndexOfAny(RejectedAscii);
        var control = raw.AsSpan().IndexOfAnyInRange('\u0080', '\u009F');
        if (control >= 0 && (first < 0 || control < first)) first = control;
        if (first >= 0)
        {
            var c = raw[first];
            if (c == '\\') return "path must not contain a backslash; use '/'";
            if (c == '\0') return "path must not contain NUL";
            if (char.IsControl(c)) return $"path must not contain a control character (U+{(int)c:X4})";
            if (c == ':') return "path must not contain ':' (drive letters and alternate streams are not allowed)";
            return $"path must not contain glob characters (found '{c}')";
        }
        if (raw[0] == '/') return "path must be relative to the repository root";

        // Walk the segments without splitting: most paths are already normal and are returned as they are.
        System.Text.StringBuilder? rebuilt = null;
        var kept = 0;
        var start = 0;
        while (start <= raw.Length)
        {
            var end = raw.IndexOf('/', start);
            if (end < 0) end = raw.Length;
            var segment = raw.AsSpan(start, end - start);
            if (segment.Length == 0 || segment is ".")
            {
                rebuilt ??= new System.Text.StringBuilder(raw, 0, Math.Max(0, start - 1), raw.Length);
            }
            else
            {
                var error = CheckSegment(segment);
                if (error is not null) return error;
                if (rebuilt is not null)
                {
                    if (kept > 0 && (rebuilt.Length > 0)) rebuilt.Append('/');
                    rebuilt.Append(segment);
                }
                kept++;
            }
            start = end + 1;
        }
        if (kept == 0) return "path must name a file, not '.'";

        var result = rebuilt?.ToString().TrimStart('/') ?? raw;
        // UTF-8 takes at most three bytes per UTF-16 char, so short paths need no count.
        if (result.Length * 3 > MaxPathBytes && Encoding.UTF8.GetByteCount(result) > MaxPathBytes) return $"path is longer than {MaxPathBytes} bytes";
        normalized = result;
        return null;
    }

    private static string? CheckSegment(ReadOnlySpan<char> segment)
    {
        if (segment is "..") return "path must not contain a '..' segment";
        if (segment.Length == 4 && segment.Equals(".git", StringComparison.OrdinalIgnoreCase)) return "path must not contain a '.git' segment";
        if (IsReservedDeviceName(segment)) return $"path segment '{segment}' is a reserved device name on Windows";
        if (segment[^1] is '.' or ' ') return $"path segment '{segment}' must not end with '.' or a space";
        if (segment.Length * 3 > MaxSegmentBytes && Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes) return $"path segment is longer than {MaxSegmentBytes} bytes";
        return null;
    }

    private static bool IsReservedDeviceName(ReadOnlySpan<char> segment)
    {
        var dot = segment.IndexOf('.');
        var stem = (dot >= 0 ? segment[..dot] : segment).TrimEnd(' ');
        if (stem.Length is < 3 or > 7) return false;
        return (stem[0] | 0x20) switch
        {
            'a' => stem.Equals("AUX", StringComparison.OrdinalIgnoreCase),
            'n' => stem.Equals("NUL", StringComparison.OrdinalIgnoreCase),
            'p' => stem.Equals("PRN", StringComparison.OrdinalIgnoreCase),
            'c' => stem.Equals("CON", StringComparison.OrdinalIgnoreCase) || stem.Equals("CONIN$", StringComparison.OrdinalIgnoreCase)
                || stem.Equals("CONOUT$", StringComparison.OrdinalIgnoreCase) || IsNumberedDevice(stem, "COM"),
            'l' => IsNumberedDevice(stem, "LPT"),
            _ => false,
        };
    }

    private static bool IsNumberedDevice(ReadOnlySpan<char> stem, string prefix) =>
        stem.Length == 4 && stem.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && IsDeviceDigit(stem[3]);
}
