using FluentValidation;
using TaskManager.Features.Accounts;

namespace TaskManager.Features;

public static class FeatureExtensions
{
    public static IHostApplicationBuilder AddFeatures(this IHostApplicationBuilder builder)
    {
        // Handlers take scoped services (connections per request), so the mediator is scoped too.
        builder.Services.AddMediator(o => o.ServiceLifetime = ServiceLifetime.Scoped);
        // Validators are stateless; singletons let the validation filter resolve them once at start-up.
        builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);
        return builder;
    }

    public static IEndpointRouteBuilder MapFeatures(this IEndpointRouteBuilder app)
    {
        app.MapAccounts();
        return app;
    }
}
