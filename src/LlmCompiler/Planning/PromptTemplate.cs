using System.Text;
using LlmCompiler.Diagnostics;
using LlmCompiler.IO;
using LlmCompiler.Llm;

namespace LlmCompiler.Planning;

/// <summary>
/// A planner prompt template: Markdown with <c>{{PRODUCT_SPEC}}</c> (required) and <c>{{REPO_HINTS}}</c>
/// placeholders. Rendering is one pass over the template, so text substituted into it (a spec that itself
/// contains <c>{{REPO_HINTS}}</c>) is never expanded again.
/// </summary>
public sealed class PromptTemplate
{
    public const string SpecPlaceholder = "PRODUCT_SPEC";
    public const string RepoHintsPlaceholder = "REPO_HINTS";
    public const string DefaultResourceName = "LlmCompiler.Planning.Prompts.planner.md";

    private PromptTemplate(string text, string source, string sha256)
    {
        Text = text;
        Source = source;
        Sha256 = sha256;
    }

    public string Text { get; }

    /// <summary>Where the template came from: a path, or <c>embedded:planner.md</c>.</summary>
    public string Source { get; }

    /// <summary>Lower-case hex SHA-256 of the template's UTF-8 bytes (as read, BOM excluded).</summary>
    public string Sha256 { get; }

    /// <summary>The built-in planner prompt.</summary>
    public static PromptTemplate Default()
    {
        return FromText(PromptText.LoadEmbedded(DefaultResourceName), "embedded:planner.md", out var error)
            ?? throw new InvalidOperationException(error!.Message);
    }

    /// <summary>Loads a template from disk; unreadable files give E501, invalid templates E401.</summary>
    public static PromptTemplate? Load(string path, out Diagnostic? error)
    {
        if (!IO.SafeFile.TryReadInput(path, 4 * 1024 * 1024, out var bytes, out var readError))
        {
            error = DiagnosticCatalog.Create(DiagnosticCodes.InputUnreadable, $"cannot read the template: {readError}") with { File = path };
            return null;
        }
        var text = new UTF8Encoding(false).GetString(bytes);
        return FromText(text, path, out error);
    }

    public static PromptTemplate? FromText(string text, string source, out Diagnostic? error)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!text.Contains("{{" + SpecPlaceholder + "}}", StringComparison.Ordinal))
        {
            error = DiagnosticCatalog.Create(DiagnosticCodes.TemplateInvalid,
                $"template '{source}' has no {{{{{SpecPlaceholder}}}}} placeholder; the model would never see the spec") with { File = source };
            return null;
        }
        error = null;
        return new PromptTemplate(text, source, ContentHash.Sha256Hex(text));
    }

    /// <summary>Substitutes each known <c>{{NAME}}</c> token once; unknown tokens are left as written.</summary>
    public string Render(string spec, string? repoHints) => PromptText.Render(Text, new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [SpecPlaceholder] = spec,
        [RepoHintsPlaceholder] = repoHints ?? RepoHints.NoRepository,
    });
}
