-- The second wall between tenants (the first: every query names its organization).
-- Each transaction that touches tenant rows sets leadvault.org_id (store::TenantScope);
-- a row is visible, and may be written, only when its organization is that one, or when the
-- transaction is deliberately scoped to all organizations ('*'). Without a scope nothing is
-- visible. FORCE makes the policies bind the tables' owner too; superusers and roles with
-- BYPASSRLS are still exempt, so Leadvault must connect as an ordinary role.

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON organizations
    USING (current_setting('leadvault.org_id', true) IN (id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (id, '*'));

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON memberships
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));

ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE sites FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON sites
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));

ALTER TABLE membership_sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE membership_sites FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON membership_sites
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON invitations
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));

-- Through the invitation it belongs to (whose own policy applies inside the subquery).
ALTER TABLE invitation_sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitation_sites FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON invitation_sites
    USING (EXISTS (SELECT 1 FROM invitations i WHERE i.id = invitation_id))
    WITH CHECK (EXISTS (SELECT 1 FROM invitations i WHERE i.id = invitation_id));
