using System.Text;
using System.Text.Json;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Llm;

/// <summary>How the JSON object was found in the model's text.</summary>
public enum JsonPayloadForm
{
    /// <summary>The text is the object (surrounding whitespace allowed).</summary>
    Bare,

    /// <summary>The object is the whole body of one fenced block (<c>```</c> or <c>```json</c>).</summary>
    Fenced,
}

/// <summary>One JSON object found in a model's answer.</summary>
/// <param name="Json">The object's exact text, as it appears in the answer.</param>
/// <param name="Offset">Character offset of <paramref name="Json"/> in the answer.</param>
/// <param name="Position">1-based line and column of <paramref name="Offset"/> in the answer.</param>
public sealed record JsonPayloadMatch(string Json, int Offset, SourcePosition Position, JsonPayloadForm Form, bool HadLeadingProse, bool HadTrailingProse);

/// <summary>
/// Tolerant but predictable extraction of the one JSON object a model was asked for. Exactly these shapes are
/// accepted (whitespace around every part is ignored):
/// <list type="number">
/// <item>the object alone: <c>{…}</c>;</item>
/// <item>one fenced block whose whole body is the object: a line <c>```</c> or <c>```json</c>, the object, a line <c>```</c>;</item>
/// <item>either of the above preceded by <em>one</em> line of prose (for example "Here is the plan:") that holds no
/// <c>{</c> and no <c>```</c>;</item>
/// <item>any of the above followed by prose that holds no <c>```</c> and does not start with <c>{</c> or <c>[</c>.</item>
/// </list>
/// The object is read with a strict JSON reader (no comments, no trailing commas, no duplicate property names,
/// depth ≤ 64). There is no search for "the first <c>{</c>": text in any other shape is rejected, because guessing
/// which of several objects was meant is how a harness applies the wrong one.
/// Failures are E303 (E307 above 10 MiB) with <see cref="Diagnostic.Line"/>/<see cref="Diagnostic.Column"/> pointing into
/// the answer; the caller sets <see cref="Diagnostic.File"/> to wherever it saved the raw answer.
/// </summary>
public static class JsonPayload
{
    public const int MaxDepth = 64;
    private const string Fence = "```";

    public static (JsonPayloadMatch? Match, Diagnostic? Error) Extract(string? text)
    {
        if (text is null || string.IsNullOrWhiteSpace(text))
        {
            return Fail("The model's answer is empty.", 0, text ?? "");
        }

        if (text.Length > OpenAiChatTransport.MaxResponseBytes)
        {
            return (null, DiagnosticCatalog.Create(DiagnosticCodes.ResponseTooLarge, $"The model's answer has {text.Length} characters, over the 10 MiB limit; it was not parsed."));
        }

        var start = SkipWhitespace(text, 0);
        var leadingProse = false;
        if (!StartsObjectOrFence(text, start))
        {
            var lineEnd = text.IndexOf('\n', start);
            var prose = lineEnd < 0 ? text[start..] : text[start..lineEnd];
            if (lineEnd < 0 || prose.Contains('{') || prose.Contains(Fence, StringComparison.Ordinal))
            {
                return Fail("The answer does not start with a JSON object or a fenced block (one line of prose before it is the most that is accepted).", start, text);
            }

            leadingProse = true;
            start = SkipWhitespace(text, lineEnd + 1);
            if (!StartsObjectOrFence(text, start))
            {
                return Fail("After one line of prose, the answer must continue with a JSON object or a fenced block.", start, text);
            }
        }

        if (text[start] == '{')
        {
            var (end, error) = ReadObject(text, start);
            return error is not null ? (null, error) : Finish(text, start, end, end, JsonPayloadForm.Bare, leadingProse);
        }

        // A fence: its info string may be empty or "json"; the body runs to the next line that is only a fence.
        var fenceLineEnd = text.IndexOf('\n', start);
        if (fenceLineEnd < 0)
        {
            return Fail("The fenced block is never closed.", start, text);
        }

        var info = text[(start + Fence.Length)..fenceLineEnd].Trim();
        if (info.Length > 0 && !info.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            return Fail($"The fenced block is marked '{Truncate(info)}', not json.", start, text);
        }

        var bodyStart = SkipWhitespace(text, fenceLineEnd + 1);
        if (bodyStart >= text.Length || text[bodyStart] != '{')
        {
            return Fail("The fenced block does not hold a JSON object.", bodyStart, text);
        }

        var (objectEnd, readError) = ReadObject(text, bodyStart);
        if (readError is not null)
        {
            return (null, readError);
        }

        // Only whitespace may separate the object from the closing fence.
        var close = SkipWhitespace(text, objectEnd);
        if (!text.AsSpan(close).StartsWith(Fence, StringComparison.Ordinal))
        {
            return Fail("The fenced block holds more than one JSON object, or is never closed.", close, text);
        }

        var afterFence = close + Fence.Length;
        var closeLineEnd = text.IndexOf('\n', afterFence);
        var restOfCloseLine = closeLineEnd < 0 ? text[afterFence..] : text[afterFence..closeLineEnd];
        if (restOfCloseLine.Trim().Length > 0)
        {
            return Fail("The closing fence is followed by text on the same line.", afterFence, text);
        }

        return Finish(text, bodyStart, objectEnd, closeLineEnd < 0 ? text.Length : closeLineEnd, JsonPayloadForm.Fenced, leadingProse);
    }

    private static (JsonPayloadMatch?, Diagnostic?) Finish(string text, int start, int end, int tailStart, JsonPayloadForm form, bool leadingProse)
    {
        var tail = text[tailStart..].Trim();
        if (tail.Length > 0 && (tail[0] is '{' or '[' || tail.Contains(Fence, StringComparison.Ordinal)))
        {
            return Fail("More JSON or another fenced block follows the object; the answer must hold exactly one.", tailStart + text[tailStart..].IndexOf(tail[0]), text);
        }

        return (new JsonPayloadMatch(text[start..end], start, PositionOf(text, start), form, leadingProse, tail.Length > 0), null);
    }

    /// <summary>Reads exactly one object starting at <paramref name="start"/> and returns the index just past it.</summary>
    private static (int End, Diagnostic? Error) ReadObject(string text, int start)
    {
        var utf8 = Encoding.UTF8.GetBytes(text, start, text.Length - start);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = MaxDepth,
        });
        int consumedBytes;
        try
        {
            reader.Read();
            reader.Skip();
            consumedBytes = (int)reader.BytesConsumed;
        }
        catch (JsonException e)
        {
            var at = start + Encoding.UTF8.GetCharCount(utf8, 0, (int)Math.Min(reader.BytesConsumed, utf8.Length));
            var position = e.LineNumber is { } line
                ? Shift(PositionOf(text, start), (int)line, (int)(e.BytePositionInLine ?? 0))
                : PositionOf(text, at);
            return (0, E303($"The JSON object is malformed: {Reason(e)}", position));
        }

        var end = start + Encoding.UTF8.GetCharCount(utf8, 0, consumedBytes);
        try
        {
            using var _ = JsonDocument.Parse(text.AsMemory(start, end - start), new JsonDocumentOptions
            {
                MaxDepth = MaxDepth,
                AllowDuplicateProperties = false,
            });
        }
        catch (JsonException e)
        {
            var position = Shift(PositionOf(text, start), (int)(e.LineNumber ?? 0), (int)(e.BytePositionInLine ?? 0));
            return (0, E303($"The JSON object is not acceptable: {Reason(e)}", position));
        }

        return (end, null);
    }

    private static bool StartsObjectOrFence(string text, int index) =>
        index < text.Length && (text[index] == '{' || text.AsSpan(index).StartsWith(Fence, StringComparison.Ordinal));

    private static int SkipWhitespace(string text, int index)
    {
        while (index < text.Length && char.IsWhiteSpace(text[index]))
        {
            index++;
        }

        return index;
    }

    /// <summary>1-based line/column of a character offset (columns count UTF-16 units).</summary>
    public static SourcePosition PositionOf(string text, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return new SourcePosition(line, offset - lineStart + 1);
    }

    // The reader's position is relative to the object's start: lines are 0-based, and on the first line the
    // column continues from where the object starts in the answer. Byte columns equal character columns for ASCII.
    private static SourcePosition Shift(SourcePosition origin, int line, int byteColumn) =>
        line == 0 ? new SourcePosition(origin.Line, origin.Column + byteColumn) : new SourcePosition(origin.Line + line, byteColumn + 1);

    private static string Reason(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        return cut > 0 ? message[..cut] : message;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static (JsonPayloadMatch?, Diagnostic?) Fail(string message, int offset, string text) =>
        (null, E303(message, PositionOf(text, Math.Min(offset, text.Length))));

    private static Diagnostic E303(string message, SourcePosition position) =>
        DiagnosticCatalog.Create(DiagnosticCodes.Unparseable, message) with { Line = position.Line, Column = position.Column };
}
