using System.Text.Json.Serialization;

namespace LlmCompiler.Diagnostics;

/// <summary>How bad a finding is. Errors block; warnings inform unless promoted; info never blocks.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DiagnosticSeverity>))]
public enum DiagnosticSeverity
{
    [JsonStringEnumMemberName("info")] Info,
    [JsonStringEnumMemberName("warning")] Warning,
    [JsonStringEnumMemberName("error")] Error,
}

/// <summary>
/// One finding. <see cref="File"/>/<see cref="Line"/>/<see cref="Column"/> (1-based) locate the offending
/// JSON value in the file that was validated; <see cref="Line"/> is 0 when there is no position.
/// </summary>
public sealed record Diagnostic(
    string Code,
    DiagnosticSeverity Severity,
    string? WoId,
    string? Field,
    string Message,
    string? File = null,
    int Line = 0,
    int Column = 0)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>Null while the docs have no public address (<see cref="DiagnosticCatalog.HelpBaseUri"/>).</summary>
    public string? HelpLink => DiagnosticCatalog.HelpLinkFor(Code);

    /// <summary>MSBuild canonical form: <c>path(line,col): error E101: message [WO-02]</c>.</summary>
    public string ToCanonicalString()
    {
        var severity = Severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            _ => "info",
        };
        var location = File is null ? "llmc" : Line > 0 ? $"{File}({Line},{Column})" : File;
        var suffix = string.IsNullOrEmpty(WoId) ? "" : $" [{WoId}]";
        return $"{location}: {severity} {Code}: {Message}{suffix}";
    }

    public override string ToString() => ToCanonicalString();

    public Diagnostic At(string? file, SourcePosition position) =>
        this with { File = file, Line = position.Line, Column = position.Column };
}

/// <summary>A 1-based line/column pair; <see cref="None"/> is (0,0).</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static readonly SourcePosition None = new(0, 0);
    public static readonly SourcePosition Start = new(1, 1);
    public bool IsKnown => Line > 0;
}
