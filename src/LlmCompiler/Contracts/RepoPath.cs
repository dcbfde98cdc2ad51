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

    // Win32 maps these to devices with or without an extension; COM0/LPT0 and the superscript digits count too
    // (Windows 11 treats COM¹ as COM1), and CONIN$/CONOUT$ open the console.
    private static readonly HashSet<string> ReservedDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00B9", "COM\u00B2", "COM\u00B3",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3",
    };

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

    private static string? Check(string? raw, out string normalized)
    {
        normalized = "";
        if (string.IsNullOrEmpty(raw)) return "path must not be empty";
        if (char.IsWhiteSpace(raw[0]) || char.IsWhiteSpace(raw[^1])) return "path must not start or end with whitespace";
        foreach (var c in raw)
        {
            if (c == '\\') return "path must not contain a backslash; use '/'";
            if (c == '\0') return "path must not contain NUL";
            if (char.IsControl(c)) return $"path must not contain a control character (U+{(int)c:X4})";
            if (c == ':') return "path must not contain ':' (drive letters and alternate streams are not allowed)";
            if (c is '*' or '?' or '[') return $"path must not contain glob characters (found '{c}')";
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
        if (Encoding.UTF8.GetByteCount(result) > MaxPathBytes) return $"path is longer than {MaxPathBytes} bytes";
        normalized = result;
        return null;
    }

    private static string? CheckSegment(ReadOnlySpan<char> segment)
    {
        if (segment is "..") return "path must not contain a '..' segment";
        if (segment.Equals(".git", StringComparison.OrdinalIgnoreCase)) return "path must not contain a '.git' segment";
        if (IsReservedDeviceName(segment)) return $"path segment '{segment}' is a reserved device name on Windows";
        if (segment[^1] is '.' or ' ') return $"path segment '{segment}' must not end with '.' or a space";
        if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes) return $"path segment is longer than {MaxSegmentBytes} bytes";
        return null;
    }

    private static bool IsReservedDeviceName(ReadOnlySpan<char> segment)
    {
        var dot = segment.IndexOf('.');
        var stem = (dot >= 0 ? segment[..dot] : segment).TrimEnd(' ');
        return stem.Length is >= 3 and <= 7 && ReservedDeviceNames.Contains(stem.ToString());
    }
}
