using System.Text;
using System.Text.RegularExpressions;

namespace LlmCompiler.Diagnostics;

/// <summary>
/// Reads the per-code sections of <c>docs/diagnostics.md</c>: an anchor line <c>&lt;a id="e101"&gt;&lt;/a&gt;</c>, a
/// <c>## E101 — Title</c> heading, then <c>**Cause.**</c>, <c>**Example.**</c> and <c>**Fix.**</c> blocks up to the
/// next anchor, heading or thematic break (a group heading with its introduction may follow a section). Only the
/// Markdown that file uses is understood: paragraphs, fenced code, bold, code spans and links. A section without a
/// cause is left out, so <see cref="DiagnosticHelp.For"/> falls back to the title; malformed input never throws.
/// </summary>
internal static partial class DiagnosticHelpParser
{
    private const string CauseLabel = "**Cause.**";
    private const string ExampleLabel = "**Example.**";
    private const string Fence = "```";

    [GeneratedRegex("""^<a id="(?<id>[a-z0-9]+)"></a>\s*$""")]
    private static partial Regex AnchorLine();

    /// <summary>The help of every documented code, keyed by the code (the anchor upper-cased).</summary>
    public static Dictionary<string, DiagnosticHelp> Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var help = new Dictionary<string, DiagnosticHelp>(StringComparer.Ordinal);
        var i = 0;
        while (i < lines.Length)
        {
            var anchor = AnchorLine().Match(lines[i]);
            i++;
            if (!anchor.Success) continue;
            if (i < lines.Length && lines[i].StartsWith("## ", StringComparison.Ordinal)) i++;
            var end = SectionEnd(lines, i);
            if (FromBlocks(Blocks(lines, i, end)) is { } section) help.TryAdd(anchor.Groups["id"].Value.ToUpperInvariant(), section);
            i = end;
        }
        return help;
    }

    private static int SectionEnd(string[] lines, int start)
    {
        var inFence = false;
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i];
            if (IsFence(line)) inFence = !inFence;
            else if (!inFence && (line.StartsWith('#') || AnchorLine().IsMatch(line) || IsThematicBreak(line))) return i;
        }
        return lines.Length;
    }

    private static bool IsFence(string line) => line.TrimStart().StartsWith(Fence, StringComparison.Ordinal);

    private static bool IsThematicBreak(string line)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= 3 && trimmed.All(c => c == '-');
    }

    /// <summary>Paragraphs (their lines) and fenced code blocks (with their fences), blank lines dropped.</summary>
    private static List<Block> Blocks(string[] lines, int start, int end)
    {
        var blocks = new List<Block>();
        var current = new List<string>();
        var inFence = false;
        for (var i = start; i < end; i++)
        {
            var line = lines[i];
            var isFence = IsFence(line);
            if (inFence)
            {
                current.Add(line);
                if (isFence) Close(isCode: true);
                continue;
            }
            if (isFence)
            {
                Close(isCode: false);
                current.Add(line);
                inFence = true;
            }
            else if (string.IsNullOrWhiteSpace(line)) Close(isCode: false);
            else current.Add(line);
        }
        // An unterminated fence at the end of the section still counts as code.
        Close(inFence);
        return blocks;

        void Close(bool isCode)
        {
            if (current.Count > 0) blocks.Add(new Block([.. current], isCode));
            current.Clear();
            inFence = false;
        }
    }

    private static DiagnosticHelp? FromBlocks(List<Block> blocks)
    {
        var cause = blocks.FindIndex(b => !b.IsCode && b.Lines[0].StartsWith(CauseLabel, StringComparison.Ordinal));
        if (cause < 0) return null;
        var example = blocks.FindIndex(cause + 1, b => !b.IsCode && b.Lines[0].StartsWith(ExampleLabel, StringComparison.Ordinal));
        var help = blocks.Skip(cause).ToList();
        var causeBlocks = help.Take((example < 0 ? blocks.Count : example) - cause).Select(PlainText).ToList();
        causeBlocks[0] = causeBlocks[0]["Cause.".Length..].TrimStart();

        var fullDescription = string.Join("\n\n", causeBlocks.Where(b => b.Length > 0));
        return fullDescription.Length == 0
            ? null
            : new DiagnosticHelp(fullDescription, string.Join("\n\n", help.Select(PlainText)), string.Join("\n\n", help.Select(Markdown)));
    }

    /// <summary>A paragraph reflowed onto one line without Markdown syntax; a code block's content as it is.</summary>
    private static string PlainText(Block block)
    {
        if (!block.IsCode) return Inline(string.Join(' ', block.Lines.Select(l => l.Trim())), plain: true);
        var closed = block.Lines.Length >= 2 && IsFence(block.Lines[^1]);
        return string.Join('\n', block.Lines[1..(closed ? ^1 : ^0)]);
    }

    private static string Markdown(Block block) => block.IsCode
        ? string.Join('\n', block.Lines)
        : Inline(string.Join('\n', block.Lines), plain: false);

    /// <summary>
    /// Rewrites inline Markdown. Plain: code spans keep their content, bold markers go, links keep their label.
    /// Markdown: only links that are not absolute http(s) are flattened to their label, because a reader of the help
    /// (a code-scanning UI) has no base to resolve a relative link against.
    /// </summary>
    private static string Inline(string text, bool plain)
    {
        var builder = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '`')
            {
                var run = RunLength(text, i, '`');
                var close = ClosingRun(text, i + run, run);
                if (close < 0)
                {
                    builder.Append(text, i, run);
                    i += run;
                    continue;
                }
                if (plain) builder.Append(text, i + run, close - i - run);
                else builder.Append(text, i, close + run - i);
                i = close + run;
            }
            else if (plain && c == '*' && i + 1 < text.Length && text[i + 1] == '*')
            {
                i += 2;
            }
            else if (c == '[' && TryLink(text, i, out var label, out var target, out var end))
            {
                builder.Append(!plain && IsWebUri(target) ? text[i..end] : Inline(label, plain));
                i = end;
            }
            else
            {
                builder.Append(c);
                i++;
            }
        }
        return builder.ToString();
    }

    private static int RunLength(string text, int start, char c)
    {
        var end = start;
        while (end < text.Length && text[end] == c) end++;
        return end - start;
    }

    /// <summary>The start of the next run of exactly <paramref name="length"/> backticks, or -1.</summary>
    private static int ClosingRun(string text, int from, int length)
    {
        var i = from;
        while (i < text.Length)
        {
            if (text[i] != '`')
            {
                i++;
                continue;
            }
            var run = RunLength(text, i, '`');
            if (run == length) return i;
            i += run;
        }
        return -1;
    }

    /// <summary>An inline link <c>[label](target)</c> starting at <paramref name="start"/>.</summary>
    private static bool TryLink(string text, int start, out string label, out string target, out int end)
    {
        label = target = "";
        end = start;
        var closeLabel = text.IndexOf(']', start + 1);
        if (closeLabel < 0 || closeLabel + 1 >= text.Length || text[closeLabel + 1] != '(') return false;
        var closeTarget = text.IndexOf(')', closeLabel + 2);
        if (closeTarget < 0) return false;
        label = text[(start + 1)..closeLabel];
        target = text[(closeLabel + 2)..closeTarget];
        end = closeTarget + 1;
        return true;
    }

    private static bool IsWebUri(string target) =>
        Uri.TryCreate(target, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private sealed record Block(string[] Lines, bool IsCode);
}
