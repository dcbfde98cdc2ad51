using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace LlmCompiler.Validation;

/// <summary>A syntax error in one snippet: 1-based line (0 when unknown) and the parser's message.</summary>
public sealed record PythonSyntaxError(int Line, string Message);

/// <summary>
/// Checks <c>python -c</c> snippets with a real Python interpreter (E006). All snippets of a validation run go
/// to one interpreter process, so a 1,000-work-order plan costs one process start, not one per command.
/// The verdict depends on the interpreter's grammar version; when no interpreter is on PATH the check is skipped.
/// </summary>
public sealed class PythonSyntaxChecker
{
    // Compiles each snippet without running it; prints one JSON result per snippet.
    private const string CheckerScript = """
        import json, sys
        out = []
        for code in json.load(sys.stdin):
            try:
                compile(code, "<acceptance>", "exec")
                out.append(None)
            except SyntaxError as e:
                out.append({"line": e.lineno or 0, "msg": e.msg or "invalid syntax"})
            except (ValueError, RecursionError, MemoryError) as e:
                out.append({"line": 0, "msg": str(e)})
        sys.stdout.write(json.dumps(out))
        """;

    private static readonly Lazy<string?> DefaultInterpreter = new(FindInterpreter);

    // Resolved on first use: most plans have no python -c command, and a build re-verifying one should not search PATH.
    private readonly Lazy<string?> _interpreter;

    public PythonSyntaxChecker(string? interpreter = null) =>
        _interpreter = interpreter is null ? DefaultInterpreter : new(() => File.Exists(interpreter) ? interpreter : null);

    public bool IsAvailable => _interpreter.Value is not null;

    public string? Interpreter => _interpreter.Value;

    /// <summary>Returns one entry per snippet (null = valid), or null when the interpreter could not be run.</summary>
    public IReadOnlyList<PythonSyntaxError?>? Check(IReadOnlyList<string> snippets)
    {
        if (_interpreter.Value is not { } interpreter) return null;
        if (snippets.Count == 0) return [];
        try
        {
            var psi = new ProcessStartInfo(interpreter)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardInputEncoding = new UTF8Encoding(false),
                StandardOutputEncoding = Encoding.UTF8,
            };
            psi.ArgumentList.Add("-I");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(CheckerScript);
            psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
            psi.Environment["PYTHONIOENCODING"] = "utf-8";
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(JsonSerializer.Serialize(snippets, ValidationJsonContext.Default.IReadOnlyListString));
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }
            if (process.ExitCode != 0) return null;
            var results = JsonSerializer.Deserialize(stdout.Result, ValidationJsonContext.Default.ListPythonCheckResult);
            if (results is null || results.Count != snippets.Count) return null;
            _ = stderr.Result;
            return [.. results.Select(r => r is null ? null : new PythonSyntaxError(r.Line, r.Msg ?? "invalid syntax"))];
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// An interpreter from <c>PATH</c>'s absolute entries only, never one below the current directory: validating a
    /// plan must not run a <c>python3</c> that the repository being validated supplies.
    /// </summary>
    private static string? FindInterpreter()
    {
        string[] untrusted = [Directory.GetCurrentDirectory()];
        return Processes.ExecutableResolver.FromPath("python3", untrustedRoots: untrusted)
            ?? Processes.ExecutableResolver.FromPath("python", untrustedRoots: untrusted);
    }
}

internal sealed record PythonCheckResult(int Line, string? Msg);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<PythonCheckResult?>))]
internal sealed partial class ValidationJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
