using System.Text;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Contracts.Json;

/// <summary>The UTF-8 bytes of one input file with a line index, so byte offsets become line/column.</summary>
public sealed class SourceText
{
    private int[]? _lineStarts;

    public SourceText(string? path, ReadOnlyMemory<byte> utf8)
    {
        Path = path;
        Utf8 = utf8;
    }

    /// <summary>The path diagnostics report (as the user gave it), or null for in-memory text.</summary>
    public string? Path { get; }

    public ReadOnlyMemory<byte> Utf8 { get; }

    public static SourceText FromString(string? path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    /// <summary>1-based line and column (in UTF-16 code units) of a byte offset.</summary>
    public SourcePosition GetPosition(int byteOffset)
    {
        var starts = _lineStarts ??= BuildLineStarts(Utf8.Span);
        byteOffset = Math.Clamp(byteOffset, 0, Utf8.Length);
        var line = Array.BinarySearch(starts, byteOffset);
        if (line < 0) line = ~line - 1;
        var lineStart = starts[line];
        var column = CountChars(Utf8.Span.Slice(lineStart, byteOffset - lineStart)) + 1;
        return new SourcePosition(line + 1, column);
    }

    /// <summary>Position of a 0-based line and a byte offset within that line (as JsonException reports).</summary>
    public SourcePosition GetPosition(long lineIndex, long bytePositionInLine)
    {
        var starts = _lineStarts ??= BuildLineStarts(Utf8.Span);
        if (lineIndex < 0 || lineIndex >= starts.Length) return SourcePosition.Start;
        return GetPosition((int)Math.Min(starts[lineIndex] + bytePositionInLine, Utf8.Length));
    }

    private static int CountChars(ReadOnlySpan<byte> bytes)
    {
        // Invalid UTF-8 counts one char per replacement, which is what an editor shows.
        return Encoding.UTF8.GetCharCount(bytes);
    }

    private static int[] BuildLineStarts(ReadOnlySpan<byte> text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == (byte)'\n') starts.Add(i + 1);
        }
        return [.. starts];
    }
}
