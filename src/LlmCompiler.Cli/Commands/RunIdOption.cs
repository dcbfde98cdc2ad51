using System.CommandLine;
using LlmCompiler.Cli.Output;

namespace LlmCompiler.Cli.Commands;

/// <summary><c>--run-id</c>: the run whose kept branches (<c>llmc/&lt;run&gt;/&lt;WO&gt;</c>) a command writes or reads.</summary>
internal static class RunIdOption
{
    // One description for both commands, so that one CI run's legs are seen to share it.
    public static Option<string?> Create() => new("--run-id")
    {
        Description = "The CI run whose kept branches llmc/ID/<WO> this writes (run --no-land; default: a new id) or lands (land; default: the newest kept work of each work order).",
        HelpName = "ID",
    };

    /// <summary>The id ("" when not given), or null after saying why it cannot name a branch.</summary>
    public static string? Check(ParseResult parse, Option<string?> option, string command, CliOutput output)
    {
        var id = parse.GetValue(option) ?? "";
        if (id.Length <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !id.StartsWith('.') && !id.EndsWith('.') && !id.Contains("..", StringComparison.Ordinal)) return id;
        output.Fail(command, $"--run-id '{id}' cannot name a branch: use letters, digits, '-', '_' and '.' (see 'llmc {command} --help')");
        return null;
    }
}
