using System.CommandLine;

namespace LlmCompiler.Cli.Commands;

/// <summary><c>llmc verify PATH [--repo DIR] [--format text|json|sarif] [--warnaserror]</c>.</summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("verify", "Check a plan (manifest file or directory of WO-*.json) against the work-order contract.");
        command.SetAction(_ =>
        {
            stderr.WriteLine("llmc verify: not implemented yet");
            return 1;
        });
        return command;
    }
}
