using TaskManager.Features.Imports.GetImport;
using TaskManager.Features.Imports.GetImportErrors;
using TaskManager.Features.Imports.ListImports;
using TaskManager.Features.Imports.Retention;
using TaskManager.Features.Imports.RunImport;
using TaskManager.Features.Imports.UploadCsv;
using TaskManager.Infrastructure.Hosting;

namespace TaskManager.Features.Imports;

public static class ImportsEndpoints
{
    public static void MapImports(this IEndpointRouteBuilder app)
    {
        var upload = app.MapGroup("/api").WithTags("Imports").RequireAuthorization(Policies.User).RequireScope(TokenScopes.Imports);
        upload.MapUploadCsv();

        // Uploader or admin: decided per import in each handler's SQL.
        var imports = app.MapGroup("/api/imports").WithTags("Imports").RequireAuthorization(Policies.User).RequireScope(TokenScopes.Imports);
        imports.MapGetImport();
        imports.MapGetImportErrors();

        var v2 = app.MapGroup("/api/v2/imports").WithTags("Imports (v2)").RequireAuthorization(Policies.User).RequireScope(TokenScopes.Imports);
        v2.MapUploadCsvV2();
        v2.MapListImports();
        v2.MapGetImportV2();
        v2.MapGetImportErrorsV2();
    }

    /// <summary>The import pipeline everywhere; recovery of interrupted imports and retention of their files on workers.</summary>
    public static IHostApplicationBuilder AddImports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImportOptions>().BindConfiguration(ImportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ImportRowReader>();
        builder.Services.AddSingleton<ImportLanding>();
        builder.Services.AddSingleton<ImportRunner>();
        builder.Services.AddSingleton<UploadsInFlight>();
        if (builder.Configuration.ReadProcessRole().RunsWorker())
        {
            builder.Services.AddHostedService<ImportRecovery>();
            builder.Services.AddSingleton<ImportRetention>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ImportRetention>());
        }
        return builder;
    }
}
