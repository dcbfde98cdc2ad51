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

        try
        {
            if (!reader.Read())
            {
                return Fail(source, SourcePosition.Start, "document is empty");
            }
            var root = ReadValue(ref reader, offset);
            if (reader.Read())
            {
                return Fail(source, source.GetPosition(offset + (int)reader.TokenStartIndex),
                    "unexpected content after the top-level value");
            }
            return new JsonParseResult(source, root, null);
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
            // Raised while transcoding a string token: invalid UTF-8 or a lone surrogate escape.
            return Fail(source, source.GetPosition(offset + (int)reader.TokenStartIndex),
                $"string is not valid Unicode ({FirstSentence(ex.Message)})");
        }
    }

    public static JsonParseResult Parse(string? path, string text) => Parse(SourceText.FromString(path, text));

    private static JsonSyntax ReadValue(ref Utf8JsonReader reader, int offset)
    {
        var start = offset + (int)reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return ReadObject(ref reader, offset, start);
            case JsonTokenType.StartArray:
                var items = new List<JsonSyntax>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, offset));
                }
                return new JsonArraySyntax(start, End(ref reader, offset), items);
            case JsonTokenType.String:
                return new JsonStringSyntax(start, End(ref reader, offset), reader.GetString()!);
            case JsonTokenType.Number:
                return new JsonNumberSyntax(start, End(ref reader, offset),
                    System.Text.Encoding.UTF8.GetString(reader.ValueSpan));
            case JsonTokenType.True:
                return new JsonLiteralSyntax(JsonSyntaxKind.True, start, End(ref reader, offset));
            case JsonTokenType.False:
                return new JsonLiteralSyntax(JsonSyntaxKind.False, start, End(ref reader, offset));
            default:
                return new JsonLiteralSyntax(JsonSyntaxKind.Null, start, End(ref reader, offset));
        }
    }

    private static JsonObjectSyntax ReadObject(ref Utf8JsonReader reader, int offset, int start)
    {
        var properties = new List<JsonPropertySyntax>();
        List<JsonPropertySyntax>? duplicates = null;
        // Objects in a plan are small: a linear scan finds duplicates without a set per object.
        HashSet<string>? seen = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var nameStart = offset + (int)reader.TokenStartIndex;
            var name = reader.GetString()!;
            reader.Read();
            var value = ReadValue(ref reader, offset);
            var property = new JsonPropertySyntax(name, nameStart, value);
            if (properties.Count >= 16 && seen is null) seen = new HashSet<string>(properties.Select(p => p.Name), StringComparer.Ordinal);
            var isNew = seen is not null ? seen.Add(name) : !Contains(properties, name);
            if (isNew)
            {
                properties.Add(property);
            }
            else
            {
                (duplicates ??= []).Add(property);
            }
        }
        return new JsonObjectSyntax(start, End(ref reader, offset), properties)
        {
            DuplicateProperties = duplicates ?? (IReadOnlyList<JsonPropertySyntax>)[],
        };
    }

    private static bool Contains(List<JsonPropertySyntax> properties, string name)
    {
        foreach (var property in properties)
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static int End(ref Utf8JsonReader reader, int offset) => offset + (int)reader.BytesConsumed;

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
