using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Contracts.Json;

/// <summary>The UTF-8 bytes of one input file with a line index, so byte offsets become line/column.</summary>
public sealed class SourceText
{
    private int[]? _lineStarts;

    // ReadOnlyMemory<T>.Span asks what backs the memory on every call, and a plan's strings are read thousands of
    // times: the array behind it is found once (the rare memory not backed by one is copied).
    private readonly ArraySegment<byte> _bytes;

    public SourceText(string? path, ReadOnlyMemory<byte> utf8)
    {
        Path = path;
        Utf8 = utf8;
        if (!MemoryMarshal.TryGetArray(utf8, out _bytes)) _bytes = new ArraySegment<byte>(utf8.ToArray());
    }

    /// <summary>The same bytes as <see cref="Utf8"/>, without the cost of <see cref="ReadOnlyMemory{T}.Span"/>.</summary>
    internal ReadOnlySpan<byte> Bytes => _bytes.AsSpan();

    /// <summary>The path diagnostics report (as the user gave it), or null for in-memory text.</summary>
    public string? Path { get; }

    public ReadOnlyMemory<byte> Utf8 { get; }

    public static SourceText FromString(string? path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    /// <summary>1-based line and column (in UTF-16 code units) of a byte offset.</summary>
    public SourcePosition GetPosition(int byteOffset)
    {
        var text = Bytes;
        byteOffset = Math.Clamp(byteOffset, 0, text.Length);
        var starts = _lineStarts ??= BuildLineStarts(text);
        var block = starts.AsSpan().BinarySearch(byteOffset);
        if (block < 0) block = ~block - 1;
        var before = text[starts[block]..byteOffset];
        var newlines = before.Count((byte)'\n');
        var lineStart = newlines == 0 ? starts[block] : starts[block] + before.LastIndexOf((byte)'\n') + 1;
        var column = CountChars(text[lineStart..byteOffset]) + 1;
        return new SourcePosition(block * LinesPerEntry + newlines + 1, column);
    }

    /// <summary>Position of a 0-based line and a byte offset within that line (as JsonException reports).</summary>
    public SourcePosition GetPosition(long lineIndex, long bytePositionInLine)
    {
        var text = Bytes;
        var starts = _lineStarts ??= BuildLineStarts(text);
        if (lineIndex < 0 || lineIndex / LinesPerEntry >= starts.Length) return SourcePosition.Start;
        var lineStart = starts[lineIndex / LinesPerEntry];
        for (var i = lineIndex % LinesPerEntry; i > 0; i--)
        {
            var newline = text[lineStart..].IndexOf((byte)'\n');
            if (newline < 0) return SourcePosition.Start;
            lineStart += newline + 1;
        }
        return GetPosition((int)Math.Min(lineStart + bytePositionInLine, text.Length));
    }

    private static int CountChars(ReadOnlySpan<byte> bytes)
    {
        // Invalid UTF-8 counts one char per replacement, which is what an editor shows.
        return Encoding.UTF8.GetCharCount(bytes);
    }

    // The start of every 32nd line: a position is found from the nearest entry by counting newlines, so a large
    // document's table is a few kilobytes instead of an int per line.
    private const int LinesPerEntry = 32;

    private static int[] BuildLineStarts(ReadOnlySpan<byte> text)
    {
        var starts = new List<int>(text.Length / 1024 + 1) { 0 };
        var line = 0;
        var offset = 0;
        // A plan has a newline every few dozen bytes, where one IndexOf call per line costs more than its search: 32
        // bytes at a time give a bit per newline, and a block holding no entry's line is passed over by its count.
        if (Vector256.IsHardwareAccelerated)
        {
            var newline = Vector256.Create((byte)'\n');
            ref var first = ref MemoryMarshal.GetReference(text);
            for (; offset + Vector256<byte>.Count <= text.Length; offset += Vector256<byte>.Count)
            {
                var mask = Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)offset), newline).ExtractMostSignificantBits();
                var count = BitOperations.PopCount(mask);
                if (line % LinesPerEntry + count < LinesPerEntry)
                {
                    line += count;
                    continue;
                }
                for (; mask != 0; mask &= mask - 1)
                {
                    if (++line % LinesPerEntry == 0) starts.Add(offset + BitOperations.TrailingZeroCount(mask) + 1);
                }
            }
        }
        // The rest (or all of it without 256-bit vectors, as on ARM64): one search per line, vectorised by the runtime.
        while (true)
        {
            var newline = text[offset..].IndexOf((byte)'\n');
            if (newline < 0) break;
            offset += newline + 1;
            if (++line % LinesPerEntry == 0) starts.Add(offset);
        }
        return [.. starts];
    }
}
