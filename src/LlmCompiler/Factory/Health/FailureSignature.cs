using System.Text.RegularExpressions;

namespace LlmCompiler.Factory.Health;

/// <summary>
/// The first tool diagnostic of a failure, normalised so the same environmental problem reads the same in every
/// work order: positions, absolute paths, GUIDs, hex addresses, durations and timestamps are stripped; diagnostic ids
/// (NU1101, MSB4019, CS0246, NETSDK1045) are kept — they are the signal.
/// </summary>
public static partial class FailureSignature
{
    /// <summary>The normalised first line with a tool diagnostic id in <paramref name="output"/>, or null when there is none.</summary>
    public static string? Of(string? output)
    {
        if (string.IsNullOrEmpty(output)) return null;
        var lines = output.Split('\n').Select(l => l.Trim()).ToList();
        // An error outranks the warnings printed before it (NU1603 before the NU1101 that failed the restore).
        foreach (var line in lines.Where(l => ErrorId().IsMatch(l)).Concat(lines))
        {
            if (ToolId().Match(line) is not { Success: true } id) continue;
            return id.Value + ": " + Normalise(line[(id.Index + id.Length)..]);
        }
        return null;
    }

    /// <summary><paramref name="text"/> without what differs between work orders, machines and runs.</summary>
    public static string Normalise(string text)
    {
        var s = Timestamp().Replace(text, "<time>");
        s = Guid().Replace(s, "<guid>");
        s = Position().Replace(s, "");
        s = AbsolutePath().Replace(s, "<path>");
        s = Duration().Replace(s, "<duration>");
        s = Hex().Replace(s, "<hex>");
        s = ProjectSuffix().Replace(s, "");
        s = s.TrimStart(':', ' ', '\t');
        return Spaces().Replace(s, " ").Trim();
    }

    // error NU1101: …, warning MSB4019: …, error CS0246: …, error NETSDK1045: …
    [GeneratedRegex(@"\b(?:[A-Z]{2,8}\d{3,5})(?=:)", RegexOptions.CultureInvariant)]
    private static partial Regex ToolId();

    [GeneratedRegex(@"\berror\s+[A-Z]{2,8}\d{3,5}:", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorId();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?", RegexOptions.CultureInvariant)]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Guid();

    // file.cs(12,5): / file.cs(12,5,12,9): / file.cs:12: / :line 12
    [GeneratedRegex(@"\(\d+(?:,\d+){0,3}\)|:\d+(?::\d+)?(?=[:\s]|$)|\bline \d+", RegexOptions.CultureInvariant)]
    private static partial Regex Position();

    [GeneratedRegex(@"(?:[A-Za-z]:\\|/)(?:[^\s'""()\[\]:;,]+[\\/])*[^\s'""()\[\]:;,]*", RegexOptions.CultureInvariant)]
    private static partial Regex AbsolutePath();

    [GeneratedRegex(@"\b\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds|min|minutes)\b", RegexOptions.CultureInvariant)]
    private static partial Regex Duration();

    [GeneratedRegex(@"\b0x[0-9a-fA-F]+\b|\b[0-9a-f]{12,64}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Hex();

    // MSBuild appends " [/abs/path/Project.csproj]" (already a <path>) to every error line.
    [GeneratedRegex(@"\s*\[<path>\]\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ProjectSuffix();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();
}
