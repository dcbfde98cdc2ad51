using System.Text;

namespace LlmCompiler.Llm;

/// <summary>
/// Prompt templates: Markdown with <c>{{NAME}}</c> placeholders. Substitution is a single pass over the template,
/// so a value that itself contains <c>{{CONTEXT_FILES}}</c> (a spec, a title, a file's content) is inserted
/// verbatim and never expanded (the original's chained replacements did expand it: a prompt-injection surface).
/// </summary>
public static class PromptText
{
    /// <summary>Reads an embedded prompt from the engine assembly, with LF line endings.</summary>
    public static string LoadEmbedded(string resourceName)
    {
        using var stream = typeof(PromptText).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"embedded prompt '{resourceName}' is missing from the engine assembly");
        using var reader = new StreamReader(stream, new UTF8Encoding(false));
        return reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>Substitutes each known <c>{{NAME}}</c> once; unknown tokens stay as written.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        var builder = new StringBuilder(template.Length + values.Values.Sum(v => v.Length));
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf("{{", i, StringComparison.Ordinal);
            if (open < 0) break;
            var close = template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0) break;
            if (!values.TryGetValue(template.Substring(open + 2, close - open - 2), out var value))
            {
                builder.Append(template, i, open + 2 - i);
                i = open + 2;
                continue;
            }
            builder.Append(template, i, open - i).Append(value);
            i = close + 2;
        }
        builder.Append(template, i, template.Length - i);
        return builder.ToString();
    }
}
