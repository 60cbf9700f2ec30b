/**
 * The type token of every component, `ologywood:<module>:<Name>`, in one place: the URNs in the
 * stacks' state are built from them, so renaming one means replacing that component's children
 * (add an alias then). The policy pack and the tests read them from here.
 */
export const COMPONENT_TYPES = {
    namespace: "ologywood:namespace:StackNamespace",
    api: "ologywood:api:ApiService",
    worker: "ologywood:worker:Worker",
    email: "ologywood:email:EmailService",
    maintenance: "ologywood:maintenance:Maintenance",
    postDeployCheck: "ologywood:postdeploy:PostDeployCheck",
    database: "ologywood:database:Database",
    backups: "ologywood:backups:Backups",
    monitoring: "ologywood:monitoring:Monitoring",
    mailpit: "ologywood:mailpit:Mailpit",
} as const;
