using LlmCompiler.Diagnostics;
using LlmCompiler.Validation;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// Maps engine <see cref="Diagnostic"/>s onto MSBuild events so that <c>dotnet build</c> prints the canonical
/// <c>file(line,col): error E101: …</c> line and IDEs put each finding at its JSON position.
/// </summary>
internal static class MSBuildDiagnosticLogger
{
    public static void Report(TaskLoggingHelper log, Diagnostic diagnostic, string? fallbackFile = null)
    {
        var file = diagnostic.File ?? fallbackFile;
        var message = ContractCheck.BuildMessage(diagnostic);
        // No subcategory: it would be printed between the location and "error", breaking the canonical form.
        switch (diagnostic.Severity)
        {
            case DiagnosticSeverity.Error:
                log.LogError(null, diagnostic.Code, diagnostic.Code, diagnostic.HelpLink, file,
                    diagnostic.Line, diagnostic.Column, 0, 0, "{0}", message);
                break;
            case DiagnosticSeverity.Warning:
                log.LogWarning(null, diagnostic.Code, diagnostic.Code, diagnostic.HelpLink, file,
                    diagnostic.Line, diagnostic.Column, 0, 0, "{0}", message);
                break;
            default:
                log.LogMessage(null, diagnostic.Code, diagnostic.Code, file, diagnostic.Line, diagnostic.Column, 0, 0,
                    MessageImportance.Normal, "{0}", message);
                break;
        }
    }
}
