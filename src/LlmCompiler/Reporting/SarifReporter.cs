using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Reporting;

/// <summary>
/// SARIF 2.1.0 (OASIS standard, sections cited as §3.x). Written by hand with <see cref="Utf8JsonWriter"/>
/// because no SARIF object model is available here; only the properties code-scanning UIs read are emitted:
/// <c>tool.driver</c> with one rule per catalog code, its help embedded from <c>docs/diagnostics.md</c>, and one
/// result per diagnostic with its location, relative to the current directory under the <c>%SRCROOT%</c> base id.
/// No link is emitted that would not resolve: <c>helpUri</c> only once <see cref="DiagnosticCatalog.HelpBaseUri"/>
/// is set, and no <c>informationUri</c> while the project has no public home. <c>.ci/validate-sarif.sh</c> checks
/// the output with Microsoft's SARIF Multitool under the GitHub and SARIF rule sets.
/// </summary>
public sealed partial class SarifReporter : IDiagnosticReporter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";
    public const string SarifVersion = "2.1.0";
    public const string ToolName = "llmc";
    public const string SourceRootBaseId = "%SRCROOT%";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly string _currentDirectory;

    public SarifReporter() : this(Environment.CurrentDirectory)
    {
    }

    /// <param name="currentDirectory">The directory relative locations are resolved against.</param>
    public SarifReporter(string currentDirectory) => _currentDirectory = Path.GetFullPath(currentDirectory);

    public void Write(VerifyReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteLog(writer, report);
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private void WriteLog(Utf8JsonWriter w, VerifyReport report)
    {
        var rules = DiagnosticCatalog.Descriptors;
        w.WriteStartObject();
        w.WriteString("$schema", SchemaUri);
        w.WriteString("version", SarifVersion);
        w.WriteStartArray("runs");
        w.WriteStartObject();

        w.WriteStartObject("tool");
        w.WriteStartObject("driver");
        w.WriteString("name", ToolName);
        w.WriteString("version", ToolVersion);
        w.WriteString("semanticVersion", SemanticVersion(ToolVersion));
        w.WriteStartArray("rules");
        foreach (var rule in rules) WriteRule(w, rule);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();

        // §3.14.14: relative artifact URIs are resolved against this base, the directory llmc ran in.
        w.WriteStartObject("originalUriBaseIds");
        w.WriteStartObject(SourceRootBaseId);
        w.WriteString("uri", DirectoryUri(_currentDirectory));
        w.WriteEndObject();
        w.WriteEndObject();

        // Columns come from SourceText, which counts UTF-16 code units (§3.14.17).
        w.WriteString("columnKind", "utf16CodeUnits");

        w.WriteStartArray("results");
        foreach (var diagnostic in report.Diagnostics) WriteResult(w, diagnostic, rules);
        w.WriteEndArray();

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteRule(Utf8JsonWriter w, DiagnosticDescriptor rule)
    {
        w.WriteStartObject();
        w.WriteString("id", rule.Code);
        w.WriteString("name", RuleName(rule.Title));
        w.WriteStartObject("shortDescription");
        w.WriteString("text", rule.Title);
        w.WriteEndObject();
        // GitHub code scanning rejects a rule without fullDescription and help (§3.49.10, §3.49.13).
        var help = DiagnosticHelp.For(rule);
        w.WriteStartObject("fullDescription");
        w.WriteString("text", help.FullDescription);
        w.WriteEndObject();
        w.WriteStartObject("help");
        w.WriteString("text", help.Text);
        w.WriteString("markdown", help.Markdown);
        w.WriteEndObject();
        if (DiagnosticCatalog.HelpLinkFor(rule.Code) is { } helpUri) w.WriteString("helpUri", helpUri);
        w.WriteStartObject("defaultConfiguration");
        w.WriteString("level", Level(rule.Severity));
        w.WriteEndObject();
        w.WriteStartObject("properties");
        w.WriteString("category", rule.Stage);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private void WriteResult(Utf8JsonWriter w, Diagnostic d, IReadOnlyList<DiagnosticDescriptor> rules)
    {
        w.WriteStartObject();
        w.WriteString("ruleId", d.Code);
        var index = IndexOf(rules, d.Code);
        if (index >= 0) w.WriteNumber("ruleIndex", index);
        w.WriteString("level", Level(d.Severity));
        w.WriteStartObject("message");
        w.WriteString("text", d.Message);
        w.WriteEndObject();
        if (!string.IsNullOrEmpty(d.File))
        {
            w.WriteStartArray("locations");
            w.WriteStartObject();
            w.WriteStartObject("physicalLocation");
            WriteArtifactLocation(w, d.File);
            if (d.Line > 0)
            {
                w.WriteStartObject("region");
                w.WriteNumber("startLine", d.Line);
                if (d.Column > 0) w.WriteNumber("startColumn", d.Column);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }
        w.WriteStartObject("properties");
        WriteNullableString(w, "woId", d.WoId);
        WriteNullableString(w, "field", d.Field);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private void WriteArtifactLocation(Utf8JsonWriter w, string file)
    {
        w.WriteStartObject("artifactLocation");
        if (TryRelativeUri(file, out var relative))
        {
            w.WriteString("uri", relative);
            w.WriteString("uriBaseId", SourceRootBaseId);
        }
        else
        {
            w.WriteString("uri", new Uri(Path.GetFullPath(file)).AbsoluteUri);
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// A relative URI reference (§3.4.3) for <paramref name="file"/>: <c>/</c> separators, each segment
    /// percent-encoded, no <c>.</c> or empty segments. Absolute paths under the current directory become relative;
    /// others (another drive, outside the tree) are not relative and get a <c>file:</c> URI instead.
    /// </summary>
    internal bool TryRelativeUri(string file, out string uri)
    {
        var path = file;
        if (Path.IsPathRooted(path))
        {
            var relative = Path.GetRelativePath(_currentDirectory, Path.GetFullPath(path));
            if (Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                uri = "";
                return false;
            }
            path = relative;
        }
        var segments = path.Split(Path.DirectorySeparatorChar == Path.AltDirectorySeparatorChar
                ? [Path.DirectorySeparatorChar]
                : [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar])
            .Where(s => s.Length > 0 && s != ".")
            .Select(Uri.EscapeDataString);
        uri = string.Join('/', segments);
        return uri.Length > 0;
    }

    private static string DirectoryUri(string directory)
    {
        var uri = new Uri(Path.GetFullPath(directory)).AbsoluteUri;
        return uri.EndsWith('/') ? uri : uri + "/";
    }

    private static int IndexOf(IReadOnlyList<DiagnosticDescriptor> rules, string code)
    {
        for (var i = 0; i < rules.Count; i++)
        {
            if (string.Equals(rules[i].Code, code, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }

    /// <summary>SARIF levels (§3.27.10): info has no level of its own, <c>note</c> is the closest.</summary>
    internal static string Level(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        _ => "note",
    };

    [GeneratedRegex("[A-Za-z0-9]+")]
    private static partial Regex TitleWord();

    /// <summary>
    /// A rule's <c>name</c> (§3.49.7) is an identifier: the title's words in Pascal case. Validators (SARIF2012) read
    /// that as capitals each followed by lower-case letters or digits, so "LLM" becomes "Llm" and one-letter words
    /// ("a", the c of "-c"), which cannot form such a part, are left out.
    /// </summary>
    internal static string RuleName(string title)
    {
        var builder = new StringBuilder(title.Length);
        foreach (Match word in TitleWord().Matches(title))
        {
            if (word.Length < 2) continue;
            builder.Append(char.ToUpperInvariant(word.Value[0])).Append(word.Value[1..].ToLowerInvariant());
        }
        return builder.ToString();
    }

    internal static string ToolVersion { get; } =
        typeof(SarifReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(SarifReporter).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    private static string SemanticVersion(string version)
    {
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
