using Microsoft.Build.Locator;

namespace LlmCompiler.Build.Evaluation.Tests;

[TestClass]
public static class AssemblyHooks
{
    /// <summary>
    /// Registers the SDK's MSBuild before any test touches an MSBuild type: the first method that mentions one loads
    /// Microsoft.Build.dll, which is not in the output folder (ExcludeAssets=runtime), so this method mentions none.
    /// </summary>
    [AssemblyInitialize]
    public static void RegisterTheSdksMSBuild(TestContext _)
    {
        if (!MSBuildLocator.IsRegistered) MSBuildLocator.RegisterDefaults();
    }
}
