using System.Text;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Llm;

namespace LlmCompiler.Planning;

/// <summary>
/// Reads the manifest out of a model's answer. Which shapes are accepted (bare object, one fenced block, one
/// line of prose before, prose after) is the LLM layer's <see cref="JsonPayload"/> rule, shared by every caller.
/// The object is then parsed in place: the saved raw answer with everything outside the object blanked to
/// spaces (newlines kept), so byte offsets — and every diagnostic position — point into the saved file.
/// </summary>
internal static class ResponseExtractor
{
    /// <summary>Parses <paramref name="rawText"/>, reporting positions against <paramref name="savedPath"/>.</summary>
    public static JsonParseResult Parse(string savedPath, string rawText)
    {
        var bytes = Encoding.UTF8.GetBytes(rawText);
        var (match, error) = JsonPayload.Extract(rawText);
        if (match is null)
        {
            return new JsonParseResult(new SourceText(savedPath, bytes), null, error! with { File = savedPath });
        }
        var start = Encoding.UTF8.GetByteCount(rawText.AsSpan(0, match.Offset));
        var end = start + Encoding.UTF8.GetByteCount(match.Json);
        return JsonSyntaxParser.Parse(new SourceText(savedPath, Blank(bytes, start, end)));
    }

    private static byte[] Blank(byte[] text, int start, int end)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if ((i < start || i >= end) && text[i] != (byte)'\n' && text[i] != (byte)'\r') text[i] = (byte)' ';
        }
        return text;
    }
}
