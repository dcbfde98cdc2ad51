using System.Reflection;
using System.Text.RegularExpressions;

namespace LlmCompiler.Factory;

/// <summary>
/// Embedded prompt templates with <c>{{NAME}}</c> placeholders, substituted in a single pass: a value that
/// itself contains <c>{{CONTEXT_FILES}}</c> (a title, a file's content) is inserted verbatim, never expanded.
/// </summary>
public static partial class PromptTemplate
{
    [GeneratedRegex(@"\{\{([A-Z0-9_]+)\}\}")]
    private static partial Regex Placeholder();

    public static string Load(string name)
    {
        var resource = $"LlmCompiler.Factory.Prompts.{name}";
        using var stream = typeof(PromptTemplate).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded prompt '{resource}' is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Replace("\r\n", "\n");
    }

    public static string Render(string template, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(template, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
}
