using System.Text.Json;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Contracts.Json;

/// <summary>Outcome of parsing one document: a tree, or one E000 that says where and why it is not JSON.</summary>
public sealed record JsonParseResult(SourceText Source, JsonSyntax? Root, Diagnostic? Error)
{
    public bool Success => Root is not null;
}

/// <summary>
/// Parses untrusted JSON into a <see cref="JsonSyntax"/> tree with positions. Never throws: every failure
/// (syntax, invalid UTF-8, invalid escapes, excessive depth or size) becomes one E000 with a position.
/// Duplicate property names are kept out of the tree and recorded on their object for the binder to report.
/// </summary>
public static class JsonSyntaxParser
{
    public const int MaxDepth = 64;
    public const int MaxDocumentBytes = 10 * 1024 * 1024;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    public static JsonParseResult Parse(SourceText source)
    {
        var bytes = source.Utf8;
        if (bytes.Length > MaxDocumentBytes)
        {
            return Fail(source, SourcePosition.Start,
                $"document is {bytes.Length:N0} bytes; the limit is {MaxDocumentBytes:N0} bytes (10 MiB)");
        }

        var offset = bytes.Span.StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
        var reader = new Utf8JsonReader(bytes.Span[offset..], new JsonReaderOptions
        {
            MaxDepth = MaxDepth,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        });

        var builder = new TreeBuilder(source);
        try
        {
            if (!reader.Read())
            {
                return Fail(source, SourcePosition.Start, "document is empty");
            }
            do
            {
                if (builder.Add(ref reader, offset) is { } invalid)
                {
                    return Fail(source, source.GetPosition(invalid), "string is not valid Unicode (invalid UTF-8)");
                }
            }
            while (!builder.Complete && reader.Read());
            if (reader.Read())
            {
                return Fail(source, source.GetPosition(offset + (int)reader.TokenStartIndex),
                    "unexpected content after the top-level value");
            }
            return new JsonParseResult(source, builder.Build().Root, null);
        }
        catch (JsonException ex)
        {
            var position = ex.LineNumber is { } line && ex.BytePositionInLine is { } col
                ? source.GetPosition(line, col + (line == 0 ? offset : 0))
                : SourcePosition.Start;
            return Fail(source, position, Describe(ex));
        }
        catch (InvalidOperationException ex)
        {
            // Raised while unescaping a string token: a lone surrogate escape.
            return Fail(source, source.GetPosition(offset + (int)reader.TokenStartIndex),
                $"string is not valid Unicode ({FirstSentence(ex.Message)})");
        }
    }

    public static JsonParseResult Parse(string? path, string text) => Parse(SourceText.FromString(path, text));

    /// <summary>Appends one node per token in document order and links each value to the node after its subtree.</summary>
    private sealed class TreeBuilder(SourceText source)
    {
        private readonly List<JsonSyntaxNode[]> _chunks = [];
        private int _count;
        // The reader refuses documents deeper than MaxDepth, so the open containers fit a fixed array.
        private readonly OpenContainer[] _open = new OpenContainer[MaxDepth + 1];
        private int _depth;
        private Dictionary<int, string>? _unescaped;
        // Most plans are ASCII throughout: one vectorised pass then stands for checking every string's UTF-8.
        private readonly bool _allAscii = System.Text.Ascii.IsValid(source.Bytes);

        public bool Complete { get; private set; }

        /// <summary>Adds the reader's current token; returns the offset of a string that is not valid UTF-8.</summary>
        public int? Add(ref Utf8JsonReader reader, int offset)
        {
            var start = offset + (int)reader.TokenStartIndex;
            // A string ends at its closing quote (after a name the reader has also consumed the colon).
            var end = reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName
                ? start + reader.ValueSpan.Length + 2
                : offset + (int)reader.BytesConsumed;
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    CountInParent();
                    _open[_depth++] = new OpenContainer(Append(reader.TokenType == JsonTokenType.StartObject ? JsonSyntaxKind.Object : JsonSyntaxKind.Array, start, 0));
                    return null;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    ref var closed = ref _open[--_depth];
                    ref var container = ref Node(closed.Index);
                    container.End = end;
                    container.Next = _count;
                    container.Count = closed.Count;
                    closed.Names = null;
                    Complete = _depth == 0;
                    return null;
                case JsonTokenType.PropertyName:
                    var name = Append(JsonSyntaxKind.String, start, end);
                    Node(name).Next = name + 1;
                    if (!Decode(ref reader, name)) return start;
                    ref var parent = ref _open[_depth - 1];
                    if (IsRepeat(ref parent, name))
                    {
                        Node(name).Flags |= JsonSyntaxFlags.Duplicate;
                        Node(parent.Index).Flags |= JsonSyntaxFlags.Duplicate;
                    }
                    parent.Count++;
                    return null;
                default:
                    CountInParent();
                    var kind = reader.TokenType switch
                    {
                        JsonTokenType.String => JsonSyntaxKind.String,
                        JsonTokenType.Number => JsonSyntaxKind.Number,
                        JsonTokenType.True => JsonSyntaxKind.True,
                        JsonTokenType.False => JsonSyntaxKind.False,
                        _ => JsonSyntaxKind.Null,
                    };
                    var value = Append(kind, start, end);
                    Node(value).Next = value + 1;
                    Complete = _depth == 0;
                    return kind != JsonSyntaxKind.String || Decode(ref reader, value) ? null : start;
            }
        }

        public JsonSyntaxTree Build() => new(source, [.. _chunks], _unescaped);

        private ref JsonSyntaxNode Node(int index) => ref _chunks[index >> JsonSyntaxTree.ChunkShift][index & (JsonSyntaxTree.ChunkSize - 1)];

        // Array elements are counted as they start; object properties when their name is read.
        private void CountInParent()
        {
            if (_depth == 0) return;
            ref var parent = ref _open[_depth - 1];
            if (Node(parent.Index).Kind == JsonSyntaxKind.Array) parent.Count++;
        }

        private int Append(JsonSyntaxKind kind, int start, int end)
        {
            if ((_count & (JsonSyntaxTree.ChunkSize - 1)) == 0)
            {
                // A small document gets a small first chunk; later ones are full size. Not zeroed: a node is written
                // whole when appended and none past the count is ever read (clearing a megabyte of nodes showed in profiles).
                _chunks.Add(GC.AllocateUninitializedArray<JsonSyntaxNode>(_count == 0 ? Math.Clamp(source.Bytes.Length / 16, 16, JsonSyntaxTree.ChunkSize) : JsonSyntaxTree.ChunkSize));
            }
            else if (_count < JsonSyntaxTree.ChunkSize && _count == _chunks[0].Length)
            {
                var first = _chunks[0];
                Array.Resize(ref first, Math.Min(first.Length * 2, JsonSyntaxTree.ChunkSize));
                _chunks[0] = first;
            }
            Node(_count) = new JsonSyntaxNode { Kind = kind, Start = start, End = end };
            return _count++;
        }

        /// <summary>Checks a string's bytes; one with escapes is unescaped now (a lone surrogate throws).</summary>
        private bool Decode(ref Utf8JsonReader reader, int index)
        {
            if (!reader.ValueIsEscaped) return _allAscii || System.Text.Unicode.Utf8.IsValid(reader.ValueSpan);
            Node(index).Flags |= JsonSyntaxFlags.HasEscapes;
            (_unescaped ??= [])[index] = reader.GetString()!;
            return true;
        }

        private bool IsRepeat(ref OpenContainer obj, int name)
        {
            // Objects in a plan are small: comparing with the earlier names needs no set until an object is large, and
            // while every name is unescaped a 64-bit filter of their bytes says most names are new without comparing.
            if (obj.Names is null && obj.Count < 16)
            {
                if ((Node(name).Flags & JsonSyntaxFlags.HasEscapes) != 0) obj.HasEscapedName = true;
                if (!obj.HasEscapedName)
                {
                    var bit = 1UL << FilterBit(Raw(name));
                    var seen = (obj.NameFilter & bit) != 0;
                    obj.NameFilter |= bit;
                    if (!seen) return false;
                }
                var earlier = obj.Index + 1;
                for (var i = 0; i < obj.Count; i++)
                {
                    if (NamesEqual(earlier, name)) return true;
                    earlier = Node(earlier + 1).Next;
                }
                return false;
            }
            if (obj.Names is null)
            {
                obj.Names = new HashSet<string>(StringComparer.Ordinal);
                var earlier = obj.Index + 1;
                for (var i = 0; i < obj.Count; i++)
                {
                    obj.Names.Add(Text(earlier));
                    earlier = Node(earlier + 1).Next;
                }
            }
            return !obj.Names.Add(Text(name));
        }

        private bool NamesEqual(int left, int right) =>
            ((Node(left).Flags | Node(right).Flags) & JsonSyntaxFlags.HasEscapes) == 0
                ? Raw(left).SequenceEqual(Raw(right))
                : string.Equals(Text(left), Text(right), StringComparison.Ordinal);

        private string Text(int index) =>
            (Node(index).Flags & JsonSyntaxFlags.HasEscapes) != 0 ? _unescaped![index] : System.Text.Encoding.UTF8.GetString(Raw(index));

        private ReadOnlySpan<byte> Raw(int index) => Node(index).StringContent(source.Bytes);

        // Length and three bytes: the names of one object (id, title, preconditions, postconditions…) rarely share all four.
        private static int FilterBit(ReadOnlySpan<byte> raw)
        {
            if (raw.Length == 0) return 0;
            var mixed = (uint)raw.Length * 0x9E3779B1u ^ (uint)raw[0] * 0x85EBCA77u ^ (uint)raw[^1] * 0xC2B2AE3Du ^ (uint)raw[raw.Length / 2] * 0x27D4EB2Fu;
            return (int)(mixed >> 26);
        }

        private struct OpenContainer(int index)
        {
            public int Index = index;
            public int Count;
            public HashSet<string>? Names;
            public ulong NameFilter;
            public bool HasEscapedName;
        }
    }

    private static JsonParseResult Fail(SourceText source, SourcePosition position, string message) =>
        new(source, null, new Diagnostic(DiagnosticCodes.MalformedDocument, DiagnosticSeverity.Error, null, null,
            $"JSON parse error: {message}", source.Path, position.Line, position.Column));

    private static string Describe(JsonException ex)
    {
        // STJ appends "LineNumber: n | BytePositionInLine: m." which our position already says.
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        return message.TrimEnd('.', ' ');
    }

    private static string FirstSentence(string message)
    {
        var dot = message.IndexOf('.');
        return dot > 0 ? message[..dot] : message;
    }
}
