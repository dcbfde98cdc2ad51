using System.Reflection;
using Microsoft.Build.Framework;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// Progress lines the terminal logger shows at its default verbosity. The terminal logger hides high-importance
/// messages unless <c>-v:d</c>, and has no public progress API yet (dotnet/msbuild#6944); it shows a running test
/// project's output at once (an <c>ExtendedBuildMessageEventArgs</c> of type <c>TLTESTOUTPUT</c>). The shared host
/// project marks itself as such a project, and these lines use that channel when this MSBuild has the type (17.8+),
/// else an ordinary high-importance message — which the console logger and binary logs show as usual.
/// </summary>
internal static class TerminalVisibleLog
{
    private const string TestOutputType = "TLTESTOUTPUT";

    private static readonly ConstructorInfo? Extended = Type.GetType("Microsoft.Build.Framework.ExtendedBuildMessageEventArgs, Microsoft.Build.Framework")
        ?.GetConstructor([typeof(string), typeof(string), typeof(string), typeof(string), typeof(MessageImportance)]);

    public static void Line(IBuildEngine engine, string message)
    {
        var args = Extended?.Invoke([TestOutputType, message, null, "LlmCompiler", MessageImportance.High]) as BuildMessageEventArgs
            ?? new BuildMessageEventArgs(message, null, "LlmCompiler", MessageImportance.High);
        engine.LogMessageEvent(args);
    }
}
