using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Reporting;

/// <summary>
/// <c>{"diagnostics":[{code,severity,woId,field,message,file,line,column}],"verifyExempt":{"WO-01":true,…},"schedule":{"layers":[["WO-01"],["WO-02","WO-03"]]}}</c>.
/// Every key is always present; <c>file</c>, <c>line</c> and <c>column</c> are null when a diagnostic has no
/// position. Diagnostics keep validation order and <c>verifyExempt</c> keeps plan order, so output is stable.
/// </summary>
public sealed class JsonReporter : IDiagnosticReporter
{
    private static readonly ReportJsonContext Context = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        // The report is a file or a pipe, never HTML: keep quotes and non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    });

    public void Write(VerifyReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(JsonSerializer.Serialize(ToDto(report), Context.JsonReportDto));
    }

    internal static JsonReportDto ToDto(VerifyReport report)
    {
        var exempt = new Dictionary<string, bool>(report.VerifyExempt.Count, StringComparer.Ordinal);
        foreach (var (id, value) in report.VerifyExempt) exempt.TryAdd(id, value);
        var diagnostics = report.Diagnostics.Select(d => new JsonDiagnosticDto(
            d.Code,
            SeverityName(d.Severity),
            d.WoId,
            d.Field,
            d.Message,
            d.File,
            d.Line > 0 ? d.Line : null,
            d.Line > 0 ? d.Column : null)).ToList();
        return new JsonReportDto(diagnostics, exempt, new JsonScheduleDto(report.Schedule));
    }

    internal static string SeverityName(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        _ => "info",
    };
}

internal sealed record JsonDiagnosticDto(
    string Code,
    string Severity,
    string? WoId,
    string? Field,
    string Message,
    string? File,
    int? Line,
    int? Column);

internal sealed record JsonReportDto(IReadOnlyList<JsonDiagnosticDto> Diagnostics, Dictionary<string, bool> VerifyExempt, JsonScheduleDto Schedule);

/// <summary>What can run at once: CI can turn each layer into a matrix of jobs.</summary>
internal sealed record JsonScheduleDto(IReadOnlyList<IReadOnlyList<string>> Layers);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(JsonReportDto))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
