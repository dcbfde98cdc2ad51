namespace LlmCompiler.Reporting;

/// <summary>The output formats of <c>llmc verify</c>.</summary>
public enum ReportFormat
{
    /// <summary>MSBuild canonical lines (<c>path(line,col): error E101: message [WO-02]</c>).</summary>
    Text,

    /// <summary>One JSON object with the diagnostics and the computed <c>verify_exempt</c> values.</summary>
    Json,

    /// <summary>SARIF 2.1.0, for code-scanning UIs.</summary>
    Sarif,
}

public static class ReportFormats
{
    /// <summary>The names accepted on the command line, in the order help shows them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["text", "json", "sarif"];

    public static bool TryParse(string? name, out ReportFormat format)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "text": format = ReportFormat.Text; return true;
            case "json": format = ReportFormat.Json; return true;
            case "sarif": format = ReportFormat.Sarif; return true;
            default: format = default; return false;
        }
    }

    public static IDiagnosticReporter CreateReporter(ReportFormat format) => format switch
    {
        ReportFormat.Json => new JsonReporter(),
        ReportFormat.Sarif => new SarifReporter(),
        _ => new TextReporter(),
    };
}

/// <summary>Writes a finished report in one format. Reporters are pure: same report, same bytes.</summary>
public interface IDiagnosticReporter
{
    /// <summary>Writes the machine-readable part of the report (what a caller pipes or saves).</summary>
    void Write(VerifyReport report, TextWriter output);
}
